import Dispatch

/// A run of lines to regroup: views of its five columns and the lines to leave out.
///
/// The pointers are valid for the whole call of ``PartnerGrouping/group(_:partners:threads:)``
/// that receives them.
struct LineRun {
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
        // Read-only: nothing writes the runs' columns while the workers read them.
        let input = UnsafeTransfer(runs)
        var counts = [Int](repeating: 0, count: slices * partners)
        counts.withUnsafeMutableBufferPointer { c in
            // Disjoint writes: a slice counts into its own row of `counts`.
            let shared = UnsafeTransfer(c)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let base = slice * partners
                for run in input.wrappedValue[bounds[slice]..<bounds[slice + 1]] {
                    let c = run.columns
                    for i in 0..<c.count where run.skip.isEmpty || !run.skip.contains(i) {
                        shared.wrappedValue[base + Int(c.partner[i])] += 1
                    }
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
        // A currency column only when some run has foreign lines; runs without one are all book currency.
        let foreign = runs.contains { $0.columns.currency != nil }
        var columns = TransactionColumns.uninitialized(count: total, currency: foreign)
        columns.withUnsafeMutableColumns { columns in
            cursor.withUnsafeMutableBufferPointer { cursor in
                // Disjoint writes: a slice moves only its own cursors, which hand out positions no other slice has.
                let shared = UnsafeTransfer(cursor)
                let target = UnsafeTransfer(columns)
                DispatchQueue.concurrentPerform(iterations: slices) { slice in
                    // Each slice writes only the positions its own cursors hand out, which never overlap.
                    let base = slice * partners
                    let out = target.wrappedValue
                    for run in input.wrappedValue[bounds[slice]..<bounds[slice + 1]] {
                        let c = run.columns
                        @inline(__always) func move(_ i: Int) -> Int {
                            let p = Int(c.partner[i])
                            let j = shared.wrappedValue[base + p]
                            shared.wrappedValue[base + p] = j + 1
                            out.partner[j] = c.partner[i]
                            out.product[j] = c.product[i]
                            out.day[j] = c.day[i]
                            out.quantity[j] = c.quantity[i]
                            out.amount[j] = c.amount[i]
                            return j
                        }
                        // The currency test is made once a run, not once a line.
                        if let outCurrency = out.currency, let runCurrency = c.currency {
                            for i in 0..<c.count where run.skip.isEmpty || !run.skip.contains(i) {
                                outCurrency[move(i)] = runCurrency[i]
                            }
                        } else if let outCurrency = out.currency {
                            // A run with no currency column is all book currency.
                            for i in 0..<c.count where run.skip.isEmpty || !run.skip.contains(i) {
                                outCurrency[move(i)] = 0
                            }
                        } else {
                            for i in 0..<c.count where run.skip.isEmpty || !run.skip.contains(i) { _ = move(i) }
                        }
                    }
                }
            }
        }
        return (columns, starts)
    }
}
