import Dispatch

/// A run of lines to regroup: views of its five columns and the lines to leave out.
///
/// `@unchecked Sendable`: the pointers are read-only and valid for the whole
/// call of ``PartnerGrouping/group(_:partners:threads:)`` that receives them.
struct LineRun: @unchecked Sendable {
    let columns: ColumnPointers
    /// Indices (within the run) of lines that are dropped, e.g. duplicate ids.
    var skip: Set<Int> = []
}

/// Regroups lines by partner: a stable, parallel counting sort.
enum PartnerGrouping {
    /// Joins `runs` (in order) into columns grouped by partner, each partner's
    /// lines in their original order, and returns where each partner starts.
    ///
    /// The runs are dealt to one slice a worker; each slice counts its lines
    /// per partner, the counts are laid out partner-major then slice by slice,
    /// and each slice scatters its own lines to the positions its cursors hand out.
    /// - Complexity: O(lines + partners × workers).
    static func group(_ runs: [LineRun], partners: Int, threads: Int) -> (TransactionColumns, [Int]) {
        let slices = max(1, min(threads, runs.count))
        let bounds = (0...slices).map { $0 * runs.count / slices }
        var counts = [Int](repeating: 0, count: slices * partners)
        counts.withUnsafeMutableBufferPointer { c in
            let shared = SharedSlots(base: c)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let base = slice * partners
                for run in runs[bounds[slice]..<bounds[slice + 1]] {
                    let c = run.columns
                    for i in 0..<c.count where run.skip.isEmpty || !run.skip.contains(i) { shared.base[base + Int(c.partner[i])] += 1 }
                }
            }
        }
        var cursor = [Int](repeating: 0, count: slices * partners)
        var starts = [Int](repeating: 0, count: partners + 1)
        var total = 0
        for p in 0..<partners {
            starts[p] = total
            for slice in 0..<slices {
                cursor[slice * partners + p] = total
                total += counts[slice * partners + p]
            }
        }
        starts[partners] = total
        var columns = TransactionColumns.uninitialized(count: total)
        columns.withUnsafeMutableColumns { out in
        cursor.withUnsafeMutableBufferPointer { cursor in
            let shared = SharedSlots(base: cursor)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                // Each slice writes only the positions its own cursors hand out, which never overlap.
                let base = slice * partners
                for run in runs[bounds[slice]..<bounds[slice + 1]] {
                    let c = run.columns
                    for i in 0..<c.count where run.skip.isEmpty || !run.skip.contains(i) {
                        let p = Int(c.partner[i])
                        let j = shared.base[base + p]
                        shared.base[base + p] = j + 1
                        out.partner[j] = c.partner[i]
                        out.product[j] = c.product[i]
                        out.day[j] = c.day[i]
                        out.quantity[j] = c.quantity[i]
                        out.amount[j] = c.amount[i]
                    }
                }
            }
        }
        }
        return (columns, starts)
    }
}
