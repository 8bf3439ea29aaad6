import Dispatch
import Synchronization

/// A raw buffer shared by the workers of one parallel stage.
///
/// `@unchecked Sendable` is safe because every worker writes only the slots
/// of the partitions it claimed through an atomic counter, so no two threads
/// touch the same element, and the buffer outlives `concurrentPerform`.
struct SharedSlots<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
}

/// Input columns read by the counting workers. `@unchecked Sendable`: read-only during the scope that made them.
private struct ColumnsIn: @unchecked Sendable {
    let partner: UnsafeBufferPointer<Int32>
    let day: UnsafeBufferPointer<Int32>
    let rankOf: UnsafeBufferPointer<Int32>
    var product = UnsafeBufferPointer<Int32>(start: nil, count: 0)
    var quantity = UnsafeBufferPointer<Int64>(start: nil, count: 0)
    var amount = UnsafeBufferPointer<Int64>(start: nil, count: 0)
    var palletQuantity = UnsafeBufferPointer<Int64>(start: nil, count: 0)
}

/// Output columns of the scatter. `@unchecked Sendable`: each worker owns the
/// cursors of its own slice, and the positions they hand out are disjoint.
private struct ColumnsOut: @unchecked Sendable {
    let cursor: UnsafeMutableBufferPointer<Int>
    let product: UnsafeMutableBufferPointer<Int32>
    let day: UnsafeMutableBufferPointer<Int32>
    let quantity: UnsafeMutableBufferPointer<Int64>
    let amount: UnsafeMutableBufferPointer<Int64>
    let pallets: UnsafeMutableBufferPointer<Int64>
}

/// Lines regrouped so that every line an agreement needs sits in its partition.
///
/// Partners joined by an agreement (a buying group and its members) form one
/// partition. Lines are counting-sorted by partner, partners ordered by
/// partition, so a partition is a contiguous run of partners and each partner
/// a contiguous run of lines; the hot loop then walks one partner's lines
/// once per agreement it feeds, with every agreement constant hoisted.
struct PartitionPlan {
    // Line columns, partner by partner.
    private(set) var product: [Int32] = []
    private(set) var day: [Int32] = []
    private(set) var quantity: [Int64] = []
    private(set) var amount: [Int64] = []
    private(set) var pallets: [Int64] = []
    /// Lines of the partner of rank `r`: `lineStart[r]..<lineStart[r + 1]`.
    private(set) var lineStart: [Int] = []
    /// Ranks of partition `p`: `rankStart[p]..<rankStart[p + 1]`.
    private(set) var rankStart: [Int] = []
    /// Resolved agreements of each partition, and each one's slot in its partition.
    private(set) var agreementsOf: [[Int]] = []
    /// For each partner rank, the local slots of the agreements its lines feed.
    private(set) var feedsOfRank: [[Int]] = []
    private(set) var linesAfterAsOf = 0
    private(set) var monthOfDay: [Int32] = []
    private(set) var firstDay: Int32 = 0
    private let palletQuantity: [Int64]

    var partitionCount: Int { agreementsOf.count }
    func lineCount(ofPartition p: Int) -> Int { lineStart[rankStart[p + 1]] - lineStart[rankStart[p]] }

    /// - Complexity: O(lines + partners + agreements).
    init(dataset: Dataset, agreements: [ResolvedAgreement], asOf: CivilDate?, threads: Int) {
        let partnerCount = dataset.partners.count
        palletQuantity = dataset.products.map(\.palletQuantity)
        // Union-find over partners: an agreement joins all of its partners.
        var parent = Array(0..<partnerCount)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
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
        for (i, a) in agreements.enumerated() where !a.partners.isEmpty {
            let root = find(Int(a.partners[0]))
            if partitionOfRoot[root] < 0 {
                partitionOfRoot[root] = agreementsOf.count
                agreementsOf.append([])
            }
            slotOfAgreement[i] = agreementsOf[partitionOfRoot[root]].count
            agreementsOf[partitionOfRoot[root]].append(i)
        }
        var feedsOfPartner = [[Int]](repeating: [], count: partnerCount)
        for (i, a) in agreements.enumerated() { for p in a.partners { feedsOfPartner[Int(p)].append(slotOfAgreement[i]) } }
        // Ranks: partners with agreements, ordered by partition.
        var partnersOf = [[Int]](repeating: [], count: agreementsOf.count)
        for p in 0..<partnerCount where !feedsOfPartner[p].isEmpty { partnersOf[partitionOfRoot[find(p)]].append(p) }
        var rankOfPartner = [Int32](repeating: -1, count: partnerCount)
        rankStart = [0]
        for members in partnersOf {
            for p in members {
                rankOfPartner[p] = Int32(feedsOfRank.count)
                feedsOfRank.append(feedsOfPartner[p])
            }
            rankStart.append(feedsOfRank.count)
        }

        // Counting sort of the lines by partner rank; lines after the as-of date are not yet known.
        (lineStart, linesAfterAsOf) = scatter(dataset.transactions, rankOfPartner: rankOfPartner, ranks: feedsOfRank.count,
                                              limit: asOf?.dayNumber ?? Int32.max, threads: threads)

        // Day-to-month table over every day an agreement watches.
        if let lo = agreements.map(\.start).min(), let hi = agreements.map(\.watchEnd).max() {
            firstDay = lo
            monthOfDay = (lo...hi).map { Int32(CivilDate(dayNumber: $0).monthIndex) }
        }
    }

    /// A stable, parallel counting sort of the lines into the partner-rank order.
    ///
    /// The input is cut into one slice a worker; each counts its lines per
    /// rank, the counts are laid out rank-major then slice by slice (so each
    /// rank keeps the input order), and each worker scatters its own slice.
    /// - Returns: the first line of each rank, and the number of lines after the as-of date.
    private mutating func scatter(_ t: TransactionColumns, rankOfPartner: [Int32], ranks: Int, limit: Int32, threads: Int) -> ([Int], Int) {
        let n = t.count
        let slices = max(1, min(threads, n / 65_536 + 1))
        var counts = [Int](repeating: 0, count: slices * (ranks + 1))   // counts[slice * (ranks + 1) + rank]; last column: after as-of
        let sliceBounds = (0...slices).map { $0 * n / slices }
        t.partner.withUnsafeBufferPointer { partner in
        t.day.withUnsafeBufferPointer { day in
        rankOfPartner.withUnsafeBufferPointer { rankOf in
        counts.withUnsafeMutableBufferPointer { c in
            let shared = SharedSlots(base: c)
            let columns = ColumnsIn(partner: partner, day: day, rankOf: rankOf)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let base = slice * (ranks + 1)
                for i in sliceBounds[slice]..<sliceBounds[slice + 1] {
                    if columns.day[i] > limit { shared.base[base + ranks] += 1; continue }
                    let r = columns.rankOf[Int(columns.partner[i])]
                    if r >= 0 { shared.base[base + Int(r)] += 1 }
                }
            }
        }
        }
        }
        }
        // Exclusive prefix sums, rank-major: where each slice starts writing each rank.
        var cursor = [Int](repeating: 0, count: slices * ranks)
        var starts = [Int](repeating: 0, count: ranks + 1)
        var total = 0
        for r in 0..<ranks {
            starts[r] = total
            for slice in 0..<slices {
                cursor[slice * ranks + r] = total
                total += counts[slice * (ranks + 1) + r]
            }
        }
        starts[ranks] = total
        let afterAsOf = (0..<slices).reduce(0) { $0 + counts[$1 * (ranks + 1) + ranks] }
        product = Array(repeating: 0, count: total)
        day = product
        quantity = Array(repeating: 0, count: total)
        amount = quantity
        pallets = quantity
        t.partner.withUnsafeBufferPointer { partnerIn in
        t.product.withUnsafeBufferPointer { productIn in
        t.day.withUnsafeBufferPointer { dayIn in
        t.quantity.withUnsafeBufferPointer { quantityIn in
        t.amount.withUnsafeBufferPointer { amountIn in
        rankOfPartner.withUnsafeBufferPointer { rankOf in
        palletQuantity.withUnsafeBufferPointer { palletQuantity in
        cursor.withUnsafeMutableBufferPointer { cursor in
        product.withUnsafeMutableBufferPointer { productOut in
        day.withUnsafeMutableBufferPointer { dayOut in
        quantity.withUnsafeMutableBufferPointer { quantityOut in
        amount.withUnsafeMutableBufferPointer { amountOut in
        pallets.withUnsafeMutableBufferPointer { palletsOut in
            // Each worker writes only the positions its own cursors hand out, which never overlap.
            let out = ColumnsOut(cursor: cursor, product: productOut, day: dayOut, quantity: quantityOut, amount: amountOut, pallets: palletsOut)
            let input = ColumnsIn(partner: partnerIn, day: dayIn, rankOf: rankOf, product: productIn, quantity: quantityIn,
                                  amount: amountIn, palletQuantity: palletQuantity)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                for i in sliceBounds[slice]..<sliceBounds[slice + 1] where input.day[i] <= limit {
                    let r = input.rankOf[Int(input.partner[i])]
                    guard r >= 0 else { continue }
                    let c = slice * ranks + Int(r)
                    let j = out.cursor[c]
                    out.cursor[c] = j + 1
                    let k = input.product[i]
                    let s = input.palletQuantity[Int(k)]
                    let q = input.quantity[i]
                    out.product[j] = k
                    out.day[j] = input.day[i]
                    out.quantity[j] = q
                    out.amount[j] = input.amount[i]
                    out.pallets[j] = s > 0 ? q / s : 0   // toward zero: a return of 2.5 pallets is -2
                }
            }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        return (starts, afterAsOf)
    }

    /// Runs `body` with bounds-check-free views of the columns: the one scoped place they are taken.
    func withLineView<R>(_ body: (LineView) -> R) -> R {
        product.withUnsafeBufferPointer { product in
        day.withUnsafeBufferPointer { day in
        quantity.withUnsafeBufferPointer { quantity in
        amount.withUnsafeBufferPointer { amount in
        pallets.withUnsafeBufferPointer { pallets in
        palletQuantity.withUnsafeBufferPointer { palletQuantity in
        monthOfDay.withUnsafeBufferPointer { monthOfDay in
            body(LineView(product: product, day: day, quantity: quantity, amount: amount, pallets: pallets,
                          palletQuantity: palletQuantity, monthOfDay: monthOfDay, firstDay: firstDay))
        }
        }
        }
        }
        }
        }
        }
    }

    /// Runs every partition, biggest first, on `threads` workers; returns each agreement's output.
    func run(agreements: [ResolvedAgreement], threads: Int, asOf: CivilDate?) -> [AgreementOutput] {
        let order = (0..<partitionCount).sorted {
            let (a, b) = (lineCount(ofPartition: $0), lineCount(ofPartition: $1))
            return a != b ? a > b : $0 < $1
        }
        var results = [AgreementOutput](repeating: AgreementOutput(), count: agreements.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = SharedSlots(base: buffer)
            let next = Atomic<Int>(0)
            withLineView { view in
                let work = { @Sendable (_: Int) in
                    while true {
                        let k = next.add(1, ordering: .relaxed).oldValue
                        if k >= order.count { return }
                        self.process(partition: order[k], agreements: agreements, view: view, asOf: asOf, into: slots)
                    }
                }
                if threads <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: min(threads, max(1, order.count)), execute: work) }
            }
        }
        return results
    }

    /// Fills the partition's accumulators in one pass per agreement and partner, then derives their rows.
    private func process(partition p: Int, agreements: [ResolvedAgreement], view: LineView, asOf: CivilDate?, into slots: SharedSlots<AgreementOutput>) {
        let members = agreementsOf[p]
        var accumulators = members.map { AgreementAccumulator(agreements[$0]) }
        for rank in rankStart[p]..<rankStart[p + 1] {
            let lines = lineStart[rank]..<lineStart[rank + 1]
            for slot in feedsOfRank[rank] { accumulators[slot].accumulate(view, lines) }
        }
        for (slot, i) in members.enumerated() {
            slots.base[i] = accumulators[slot].output(asOf: asOf)
        }
    }
}
