import Dispatch
import Synchronization

/// A run of lines to regroup: views of its five columns and the lines to leave out.
///
/// The pointers are valid for the whole call of ``PartnerGrouping/group(_:partners:threads:)``
/// that receives them.
struct LineRun {
    let columns: ColumnPointers
    /// Indices (within the run) of lines that are dropped, e.g. duplicate ids.
    var skip: Set<Int> = []
    /// Where to write each line's position in the grouped columns (`columns.count` slots), if anywhere.
    var destination: UnsafeMutablePointer<UInt32>? = nil
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
        if let joined = joinGrouped(runs, partners: partners, threads: threads) { return joined }
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
                        let destination = run.destination
                        @inline(__always) func move(_ i: Int) -> Int {
                            let p = Int(c.partner[i])
                            let j = shared.wrappedValue[base + p]
                            shared.wrappedValue[base + p] = j + 1
                            out.product[j] = c.product[i]
                            out.day[j] = c.day[i]
                            out.quantity[j] = c.quantity[i]
                            out.amount[j] = c.amount[i]
                            destination?[i] = UInt32(truncatingIfNeeded: j)
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
            // The partner column is known from the starts: written in order, not scattered with the rest.
            // Disjoint writes: a slice fills only its own partners' ranges.
            let target = UnsafeTransfer(columns.partner)
            let starts = starts
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                for p in slice * partners / slices..<(slice + 1) * partners / slices {
                    let lines = starts[p]..<starts[p + 1]
                    if !lines.isEmpty {
                        (target.wrappedValue.baseAddress! + lines.lowerBound).update(
                            repeating: Int32(p), count: lines.count)
                    }
                }
            }
        }
        return (columns, starts)
    }

    /// Whether lines are grouped by partner (partner indices never decrease); stops at the first that does.
    static func isGrouped(_ partner: UnsafeBufferPointer<Int32>) -> Bool {
        guard partner.count > 1 else { return true }
        for i in 1..<partner.count where partner[i] < partner[i - 1] { return false }
        return true
    }

    /// Where each partner's lines start in lines already grouped by partner (`partners + 1` offsets).
    /// A binary search per partner, not a count per line: a store's segment or a 100 M-line file has far
    /// fewer partners than lines. Every index must lie in `0..<partners`.
    /// - Complexity: O(partners × log lines).
    static func partnerStarts(ofGrouped partner: UnsafeBufferPointer<Int32>, partners: Int) -> [Int] {
        var starts = [Int](repeating: partner.count, count: partners + 1)
        var lo = 0
        for p in 0..<partners {
            // The first line at or after `lo` whose partner is `p` or later.
            var hi = partner.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if Int(partner[mid]) < p { lo = mid + 1 } else { hi = mid }
            }
            starts[p] = lo
        }
        return starts
    }

    /// The join when every run is already grouped by partner and drops nothing (the segments of a
    /// columnar store, each grouped when imported): each partner's block of each run is copied
    /// whole, in run order, into the partner's place, so the result is the counting sort's, line for
    /// line, at the cost of block copies. `nil` when a run is not grouped, leaves lines out or asks
    /// for its lines' positions.
    /// - Complexity: O(lines + runs × partners).
    static func joinGrouped(_ runs: [LineRun], partners: Int, threads: Int) -> (TransactionColumns, [Int])? {
        guard !runs.isEmpty, runs.allSatisfy({ $0.skip.isEmpty && $0.destination == nil }) else { return nil }
        // Read-only: nothing writes the runs' columns while the workers read them.
        let input = UnsafeTransfer(runs)
        // First whether every run is grouped (a CSV's chunks are not: each check stops at once, and
        // nothing is allocated), then each run's partner offsets.
        var runBlocks = [[Int]](repeating: [], count: runs.count)
        let grouped = runBlocks.withUnsafeMutableBufferPointer { out in
            // Disjoint writes: run k writes only its own slot.
            let results = UnsafeTransfer(out)
            let allGrouped = Atomic<Bool>(true)
            DispatchQueue.concurrentPerform(iterations: runs.count) { k in
                let partner = input.wrappedValue[k].columns.partner
                guard allGrouped.load(ordering: .relaxed), isGrouped(partner) else {
                    allGrouped.store(false, ordering: .relaxed)
                    return
                }
                results.wrappedValue[k] = partnerStarts(ofGrouped: partner, partners: partners)
            }
            return allGrouped.load(ordering: .relaxed)
        }
        guard grouped else { return nil }
        let blocks = runBlocks
        var starts = [Int](repeating: 0, count: partners + 1)
        for p in 0..<partners {
            var lines = 0
            for b in blocks { lines += b[p + 1] - b[p] }
            starts[p + 1] = starts[p] + lines
        }
        let total = starts[partners]
        let foreign = runs.contains { $0.columns.currency != nil }
        var columns = TransactionColumns.uninitialized(count: total, currency: foreign)
        // Pieces of about equal line counts, whole partners each.
        let pieces = max(1, min(partners, threads * 8))
        var bounds = [0]
        for k in 1..<pieces {
            let target = total * k / pieces
            var p = bounds.last!
            while p < partners, starts[p] < target { p += 1 }
            bounds.append(p)
        }
        bounds.append(partners)
        let pieceBounds = bounds
        let destination = starts
        columns.withUnsafeMutableColumns { out in
            // Disjoint writes: a piece writes only its own partners' places, which no other piece has.
            let target = UnsafeTransfer(out)
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                let out = target.wrappedValue
                for p in pieceBounds[piece]..<pieceBounds[piece + 1] {
                    var at = destination[p]
                    for (k, run) in input.wrappedValue.enumerated() {
                        let from = blocks[k][p]
                        let n = blocks[k][p + 1] - from
                        guard n > 0 else { continue }
                        let c = run.columns
                        func copy<T>(_ source: UnsafeBufferPointer<T>, _ destination: UnsafeMutableBufferPointer<T>) {
                            (destination.baseAddress! + at).update(from: source.baseAddress! + from, count: n)
                        }
                        copy(c.partner, out.partner)
                        copy(c.product, out.product)
                        copy(c.day, out.day)
                        copy(c.quantity, out.quantity)
                        copy(c.amount, out.amount)
                        if let outCurrency = out.currency {
                            // A run with no currency column is all book currency.
                            if let currency = c.currency {
                                copy(currency, outCurrency)
                            } else {
                                (outCurrency.baseAddress! + at).update(repeating: 0, count: n)
                            }
                        }
                        at += n
                    }
                }
            }
        }
        return (columns, starts)
    }
}
