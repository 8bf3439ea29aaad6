import Synchronization

/// Lines as segments, each grouped by partner, less the duplicates found across them: a folder
/// store's (``ColumnarStore``: each segment a mapped `.rbc`) or a CSV read's (one segment a window
/// of the input, see ``TransactionCSVReader``). The engine walks them where they are instead of
/// joining them into fresh columns first.
///
/// Joining costs more than the accrual itself on a store of many months (every line copied into
/// fresh pages the kernel must zero), so ``PartitionPlan`` reads the segments in place, partner by
/// partner, one run a segment, and adds the runs up as it adds up the pieces of a split partition.
/// Whoever needs one set of columns (``Dataset/transactions``: explain, import, a library caller)
/// gets the join, made once and kept.
final class LineSegments: @unchecked Sendable {
    // Sendable discipline: every stored property but `join` is immutable after init (the segments'
    // columns are never written again); `join` is only touched under its mutex.

    /// The segments in file order, each with at least one line.
    let parts: [TransactionColumns]
    /// Positions of each segment's lines that are left out (duplicates of an earlier file's lines), ascending.
    let drops: [[Int]]
    /// The dataset's partner count (a segment's partner indices are below it).
    let partnerCount: Int
    /// What the reader checked the lines against (see ``TransactionColumns/checkedFor``).
    let checkedFor: TransactionColumns.LineBounds?
    private let join = Mutex<TransactionColumns?>(nil)

    init(parts: [TransactionColumns], drops: [[Int]], partnerCount: Int, checkedFor: TransactionColumns.LineBounds?) {
        precondition(parts.count == drops.count)
        self.parts = parts
        self.drops = drops.map { $0.sorted() }
        self.partnerCount = partnerCount
        self.checkedFor = checkedFor
    }

    /// The lines kept, joined into one set of columns grouped by partner (file order within a partner).
    /// - Complexity: O(lines) the first time, unless there is one segment and nothing is dropped; the join is kept.
    var joined: TransactionColumns {
        join.withLock { cached in
            if let cached { return cached }
            var lines: TransactionColumns
            if parts.count == 1, drops[0].isEmpty {
                lines = parts[0]
            } else {
                let (columns, starts) = TransactionColumns.withUnsafeColumns(of: parts) { columns in
                    let runs = zip(columns, drops).map { LineRun(columns: $0, skip: Set($1)) }
                    return PartnerGrouping.group(
                        runs, partners: partnerCount, threads: AccrualEngine.defaultThreadCount)
                }
                lines = columns
                lines.partnerStarts = starts
            }
            lines.checkedFor = checkedFor
            cached = lines
            return lines
        }
    }

    /// The number of lines kept.
    var count: Int { zip(parts, drops).reduce(0) { $0 + $1.0.count - $1.1.count } }
}
