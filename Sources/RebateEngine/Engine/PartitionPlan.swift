import Dispatch
import Synchronization

/// Lines grouped by partner, and partners grouped into independent partitions.
///
/// Partners joined by an agreement (a buying group and its members) form one
/// partition, so partitions run in parallel without sharing anything. Lines
/// are grouped by partner index: when the input already is (a columnar file
/// written by `rebate import`, or each segment of a folder store), its columns
/// are used as they are; otherwise a stable parallel counting sort copies them
/// once. The hot loop then walks one partner's lines once per agreement it
/// feeds, every agreement constant hoisted; a store's partner has a run of lines
/// in each segment, and the runs' sums add up like the pieces of a split partition.
struct PartitionPlan {
    /// The grouped columns: one set, or a store's segments (each grouped by partner).
    private(set) var parts: [TransactionColumns]
    /// Lines of partner `p` in part `k`: `lineStart[k][p]..<lineStart[k][p + 1]`.
    private(set) var lineStart: [[Int]] = []
    /// Positions of each part's lines left out (a store's duplicates), ascending.
    private var drops: [[Int]] = []
    /// Resolved agreements of each partition, and the partners whose lines feed them.
    private(set) var agreementsOf: [[Int]] = []
    private(set) var partnersOf: [[Int]] = []
    /// For each partner, the local slots (in its partition) of the agreements its lines feed.
    private(set) var feedsOfPartner: [[Int]] = []
    private(set) var linesAfterAsOf = 0
    /// Whether the input had to be copied into partner order.
    private(set) var copied = false
    private(set) var monthOfDay: [Int32] = []
    private(set) var firstDay: Int32 = 0
    private let pallets: [PalletDivisor]

    var partitionCount: Int { agreementsOf.count }
    func lineCount(ofPartition p: Int) -> Int {
        var lines = 0
        for partner in partnersOf[p] {
            for k in parts.indices { forEachRun(ofPartner: partner, part: k) { lines += $0.count } }
        }
        return lines
    }

    /// Calls `body` with each run of `partner`'s lines in part `k`: one range, or the ranges around the
    /// part's dropped lines. (A closure, not an array: the plan asks this of every partner and part.)
    func forEachRun(ofPartner partner: Int, part k: Int, _ body: (Range<Int>) -> Void) {
        let lines = lineStart[k][partner]..<lineStart[k][partner + 1]
        if lines.isEmpty { return }
        let dropped = drops[k]
        guard !dropped.isEmpty else { return body(lines) }
        // The first drop at or after the partner's first line (drops are ascending).
        var (i, hi) = (0, dropped.count)
        while i < hi {
            let mid = (i + hi) / 2
            if dropped[mid] < lines.lowerBound { i = mid + 1 } else { hi = mid }
        }
        var from = lines.lowerBound
        while i < dropped.count, dropped[i] < lines.upperBound {
            if dropped[i] > from { body(from..<dropped[i]) }
            from = dropped[i] + 1
            i += 1
        }
        if from < lines.upperBound { body(from..<lines.upperBound) }
    }

    /// - Complexity: O(lines + partners + agreements); the lines are copied only when not grouped by partner.
    // One piece: survey, grouping and partitioning share their intermediate tables; each step is commented.
    init(dataset: Dataset, agreements: [ResolvedAgreement], asOf: CivilDate?, threads: Int) {
        let partnerCount = dataset.partners.count
        pallets = dataset.products.map { PalletDivisor($0.palletQuantity) }
        // Union-find over partners: an agreement joins all of its partners.
        var parent = Array(0..<partnerCount)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        for a in agreements {
            for p in a.partners {
                let (x, y) = (find(Int(a.partners[0])), find(Int(p)))
                if x != y { parent[y] = x }
            }
        }
        var partitionOfRoot = [Int](repeating: -1, count: partnerCount)
        var slotOfAgreement = [Int](repeating: -1, count: agreements.count)
        for (i, a) in agreements.enumerated() {
            guard let first = a.partners.first else {
                // No partner, no lines: a partition of its own, so its rows are still derived.
                slotOfAgreement[i] = 0
                agreementsOf.append([i])
                continue
            }
            let root = find(Int(first))
            if partitionOfRoot[root] < 0 {
                partitionOfRoot[root] = agreementsOf.count
                agreementsOf.append([])
            }
            slotOfAgreement[i] = agreementsOf[partitionOfRoot[root]].count
            agreementsOf[partitionOfRoot[root]].append(i)
        }
        feedsOfPartner = [[Int]](repeating: [], count: partnerCount)
        for (i, a) in agreements.enumerated() {
            for p in a.partners { feedsOfPartner[Int(p)].append(slotOfAgreement[i]) }
        }
        partnersOf = [[Int]](repeating: [], count: agreementsOf.count)
        for p in 0..<partnerCount where !feedsOfPartner[p].isEmpty { partnersOf[partitionOfRoot[find(p)]].append(p) }

        let limit = asOf?.dayNumber ?? Int32.max
        parts = []
        if let segments = dataset.segments {
            // A store's or a CSV read's segments: each read in place when every one is grouped (as
            // `rebate import` and the CSV reader write them).
            let surveys = segments.parts.map { Self.survey($0, partners: partnerCount, limit: limit, threads: threads) }
            let starts = surveys.compactMap(\.starts)
            if starts.count == surveys.count {
                parts = segments.parts
                drops = segments.drops
                lineStart = starts
                linesAfterAsOf = surveys.reduce(0) { $0 + $1.afterAsOf }
                for (part, dropped) in zip(parts, drops) where limit < Int32.max {
                    linesAfterAsOf -= part.withUnsafeColumns { c in
                        dropped.reduce(0) { $0 + (c.day[$1] > limit ? 1 : 0) }
                    }
                }
            }
        }
        if parts.isEmpty {
            let lines = dataset.transactions
            let (starts, after) = Self.survey(lines, partners: partnerCount, limit: limit, threads: threads)
            linesAfterAsOf = after
            drops = [[]]
            if let starts {
                parts = [lines]
                lineStart = [starts]
            } else {
                copied = true
                let (columns, starts) = Self.groupByPartner(lines, partners: partnerCount, threads: threads)
                parts = [columns]
                lineStart = [starts]
            }
        }

        // Day-to-month table over every day an agreement watches.
        if let lo = agreements.map(\.start).min(), let hi = agreements.map(\.watchEnd).max() {
            firstDay = lo
            monthOfDay = (lo...hi).map { Int32(CivilDate(dayNumber: $0).monthIndex) }
        }
    }

    /// Where each partner starts when the lines are already grouped by partner index (`nil` when they
    /// are not), and how many lines are dated after `limit`. Lines whose reader grouped or checked them
    /// carry their starts, and are read only to count the lines after an as-of date.
    private static func survey(_ t: TransactionColumns, partners: Int, limit: Int32, threads: Int)
        -> (starts: [Int]?, afterAsOf: Int)
    {
        let known = t.partnerStarts.flatMap { $0.count == partners + 1 ? $0 : nil }
        if known != nil, limit == Int32.max { return (known, 0) }
        let n = t.count
        let slices = max(1, min(threads, n / 65_536 + 1))
        return t.withUnsafeColumns { columns in
            // Read-only input: the columns are not written while the slices are read.
            let input = UnsafeTransfer((partner: columns.partner, day: columns.day))
            let checkOrder = known == nil
            let results = ParallelMap.run(slices, threads: threads) { (slice: Int) -> (Bool, Int) in
                let (partner, day) = input.wrappedValue
                var sorted = true
                var after = 0
                for i in slice * n / slices..<(slice + 1) * n / slices {
                    if day[i] > limit { after += 1 }
                    if checkOrder, i > 0, partner[i] < partner[i - 1] { sorted = false }
                }
                return (sorted, after)
            }
            let after = results.reduce(0) { $0 + $1.1 }
            if let known { return (known, after) }
            guard results.allSatisfy(\.0) else { return (nil, after) }
            return (PartnerGrouping.partnerStarts(ofGrouped: columns.partner, partners: partners), after)
        }
    }

    /// The lines regrouped by partner (see ``PartnerGrouping``), and where each partner starts.
    static func groupByPartner(_ t: TransactionColumns, partners: Int, threads: Int) -> (TransactionColumns, [Int]) {
        t.withUnsafeColumns { c in
            let n = c.partner.count
            let slices = max(1, min(threads, n / 65_536 + 1))
            let runs = (0..<slices).map { s in LineRun(columns: c.slice(s * n / slices..<(s + 1) * n / slices)) }
            return PartnerGrouping.group(n == 0 ? [] : runs, partners: partners, threads: threads)
        }
    }

    /// Runs `body` with bounds-check-free views of each part's columns: the one scoped place they are taken.
    func withLineViews<R>(_ body: ([LineView]) -> R) -> R {
        pallets.withUnsafeBufferPointer { pallets in
            monthOfDay.withUnsafeBufferPointer { monthOfDay in
                TransactionColumns.withUnsafeColumns(of: parts) { columns in
                    body(
                        columns.map {
                            LineView(lines: $0, pallets: pallets, monthOfDay: monthOfDay, firstDay: firstDay)
                        })
                }
            }
        }
    }

    /// A share of one partition's lines: runs of its partners' lines, each in one part.
    struct Piece: Sendable {
        let partition: Int
        var runs: [(part: Int, partner: Int, lines: Range<Int>)] = []
        var lineCount = 0
    }

    /// Cuts every partition into pieces of at most `limit` lines (a partner's lines may be cut too),
    /// so that one huge partner cannot keep a core busy while the others idle.
    func pieces(limit: Int) -> [Piece] {
        var out: [Piece] = []
        for p in 0..<partitionCount {
            var piece = Piece(partition: p)
            for partner in partnersOf[p] {
                for k in parts.indices {
                    forEachRun(ofPartner: partner, part: k) { lines in
                        var from = lines.lowerBound
                        repeat {
                            let take = min(lines.upperBound - from, max(1, limit - piece.lineCount))
                            piece.runs.append((k, partner, from..<from + take))
                            piece.lineCount += take
                            from += take
                            if piece.lineCount >= limit {
                                out.append(piece)
                                piece = Piece(partition: p)
                            }
                        } while from < lines.upperBound
                    }
                }
            }
            if !piece.runs.isEmpty || out.last?.partition != p { out.append(piece) }
        }
        return out
    }

    /// Accumulates every piece, biggest first, on `threads` workers; then, per partition,
    /// adds its pieces' sums (integers: the order cannot change them) and derives the rows.
    /// - Parameter pieceLines: the most lines a piece holds; by default an eighth of a worker's share, at least 2^20.
    // One piece: the two parallel phases (accumulate pieces, add them up per partition) share the piece plan.
    func run(
        agreements: [ResolvedAgreement], threads: Int, asOf: CivilDate?, progress: RunProgress? = nil,
        pieceLines: Int? = nil
    ) -> [AgreementOutput] {
        let totalLines = lineStart.reduce(0) { $0 + ($1.last ?? 0) }
        let work = pieces(limit: pieceLines ?? max(1 << 20, totalLines / max(1, threads * 8)))
        let order = work.indices.sorted {
            work[$0].lineCount != work[$1].lineCount ? work[$0].lineCount > work[$1].lineCount : $0 < $1
        }
        var partial = [[AgreementAccumulator]](repeating: [], count: work.count)
        partial.withUnsafeMutableBufferPointer { buffer in
            // Disjoint writes: a piece is claimed once through the atomic counter.
            let slots = UnsafeTransfer(buffer)
            let next = Atomic<Int>(0)
            withLineViews { views in
                // Read-only: the line columns are not written while the workers accumulate.
                let shared = UnsafeTransfer(views)
                let worker = { @Sendable (_: Int) in
                    let views = shared.wrappedValue
                    while true {
                        let k = next.add(1, ordering: .relaxed).oldValue
                        if k >= order.count { return }
                        slots.wrappedValue[order[k]] = self.accumulate(
                            work[order[k]], agreements: agreements, views: views, asOf: asOf)
                    }
                }
                if threads <= 1 {
                    worker(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: min(threads, max(1, order.count)), execute: worker)
                }
            }
        }
        var grouping = [[Int]](repeating: [], count: partitionCount)
        for (k, piece) in work.enumerated() { grouping[piece.partition].append(k) }
        let piecesOf = grouping
        var results = [AgreementOutput](repeating: AgreementOutput(), count: agreements.count)
        results.withUnsafeMutableBufferPointer { buffer in
            partial.withUnsafeMutableBufferPointer { partial in
                // Disjoint writes: a partition, claimed once, writes only its own agreements' slots.
                let slots = UnsafeTransfer(buffer)
                let sums = UnsafeTransfer(partial)
                let next = Atomic<Int>(0)
                let worker = { @Sendable (_: Int) in
                    while true {
                        let p = next.add(1, ordering: .relaxed).oldValue
                        if p >= self.partitionCount { return }
                        // Each partition's pieces belong to it alone.
                        var merged = sums.wrappedValue[piecesOf[p][0]]
                        for k in piecesOf[p].dropFirst() {
                            for slot in merged.indices { merged[slot].add(sums.wrappedValue[k][slot]) }
                        }
                        for (slot, i) in self.agreementsOf[p].enumerated() {
                            slots.wrappedValue[i] = merged[slot].output(asOf: asOf)
                        }
                        progress?.advance()
                    }
                }
                if threads <= 1 {
                    worker(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: min(threads, max(1, partitionCount)), execute: worker)
                }
            }
        }
        return results
    }

    /// Fills fresh accumulators for the piece's partition from the piece's lines.
    private func accumulate(_ piece: Piece, agreements: [ResolvedAgreement], views: [LineView], asOf: CivilDate?)
        -> [AgreementAccumulator]
    {
        var accumulators = agreementsOf[piece.partition].map { AgreementAccumulator(agreements[$0], asOf: asOf) }
        for run in piece.runs {
            for slot in feedsOfPartner[run.partner] { accumulators[slot].accumulate(views[run.part], run.lines) }
        }
        return accumulators
    }
}
