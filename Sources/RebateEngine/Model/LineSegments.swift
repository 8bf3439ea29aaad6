import Synchronization

/// The lines of a folder store (``ColumnarStore``) as its segments, each a mapped `.rbc` grouped by
/// partner, less the duplicates the manifest drops: what the engine walks where the segments are
/// mapped, instead of joining them into fresh columns first.
///
/// Joining costs more than the accrual itself on a store of many months (every line copied into
/// fresh pages the kernel must zero), so ``PartitionPlan`` reads the segments in place, partner by
/// partner, one run a segment, and adds the runs up as it adds up the pieces of a split partition.
/// Whoever needs one set of columns (``Dataset/transactions``: explain, a library caller) gets the
/// join, made once and kept.
final class LineSegments: @unchecked Sendable {
    // Sendable discipline: every stored property but `join` is immutable after init, and the
    // segments' memory is a read-only mapping; `join` is only touched under its mutex.

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
        precondition(parts.count == drops.count && parts.allSatisfy { $0.isMapped })
        self.parts = parts
        self.drops = drops.map { $0.sorted() }
        self.partnerCount = partnerCount
        self.checkedFor = checkedFor
    }

    /// The lines kept, joined into one set of columns grouped by partner (file order within a partner).
    /// - Complexity: O(lines) the first time; the join is kept.
    var joined: TransactionColumns {
        join.withLock { cached in
            if let cached { return cached }
            let runs = zip(parts, drops).map { part, drops in
                LineRun(columns: part.mapping!.columns, skip: Set(drops))
            }
            // The segments' mappings stay alive while the join reads them.
            var lines = withExtendedLifetime(parts) {
                PartnerGrouping.group(runs, partners: partnerCount, threads: AccrualEngine.defaultThreadCount).0
            }
            lines.checkedFor = checkedFor
            cached = lines
            return lines
        }
    }

    /// The number of lines kept.
    var count: Int { zip(parts, drops).reduce(0) { $0 + $1.0.count - $1.1.count } }
}
