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

/// Lines regrouped by partition: every line that an agreement needs is in the
/// same partition as the agreement, so partitions run independently.
struct PartitionPlan {
    /// Line columns reordered partition by partition.
    var partner: [Int32] = []
    var product: [Int32] = []
    var day: [Int32] = []
    var quantity: [Int64] = []
    var amount: [Int64] = []
    /// Partition `p` holds lines `lineStart[p]..<lineStart[p + 1]` and the agreements `agreementsOf[p]`.
    var lineStart: [Int] = []
    var agreementsOf: [[Int]] = []
    /// For each partner, the resolved agreements its lines feed.
    var feedsOfPartner: [[Int32]] = []
    var linesAfterAsOf = 0
    /// Calendar month of each day from `firstDay`.
    var monthOfDay: [Int32] = []
    var firstDay: Int32 = 0

    init(dataset: Dataset, agreements: [ResolvedAgreement], asOf: CivilDate?) {
        let partnerCount = dataset.partners.count
        // Union-find over partners: an agreement joins all of its partners.
        var parent = Array(0..<partnerCount)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        feedsOfPartner = Array(repeating: [], count: partnerCount)
        for (i, a) in agreements.enumerated() {
            for p in a.partners {
                feedsOfPartner[Int(p)].append(Int32(i))
                let (x, y) = (find(Int(a.partners[0])), find(Int(p)))
                if x != y { parent[y] = x }
            }
        }
        var partitionOfRoot = [Int32](repeating: -1, count: partnerCount)
        var partitionOfPartner = [Int32](repeating: -1, count: partnerCount)
        for (i, a) in agreements.enumerated() {
            let root = find(Int(a.partners.first ?? 0))
            guard !a.partners.isEmpty else { continue }
            if partitionOfRoot[root] < 0 {
                partitionOfRoot[root] = Int32(agreementsOf.count)
                agreementsOf.append([])
            }
            agreementsOf[Int(partitionOfRoot[root])].append(i)
        }
        for p in 0..<partnerCount where !feedsOfPartner[p].isEmpty {
            partitionOfPartner[p] = partitionOfRoot[find(p)]
        }

        // Counting sort of the lines by partition; lines after the as-of date are not yet known.
        let t = dataset.transactions
        let limit = asOf?.dayNumber ?? Int32.max
        let partitionCount = agreementsOf.count
        var counts = [Int](repeating: 0, count: partitionCount + 1)
        for i in 0..<t.count {
            if t.day[i] > limit { linesAfterAsOf += 1; continue }
            let q = partitionOfPartner[Int(t.partner[i])]
            if q >= 0 { counts[Int(q) + 1] += 1 }
        }
        for p in 0..<partitionCount { counts[p + 1] += counts[p] }
        lineStart = counts
        let total = counts[partitionCount]
        partner = Array(repeating: 0, count: total)
        product = partner
        day = partner
        quantity = Array(repeating: 0, count: total)
        amount = quantity
        var cursor = counts
        for i in 0..<t.count where t.day[i] <= limit {
            let q = partitionOfPartner[Int(t.partner[i])]
            guard q >= 0 else { continue }
            let j = cursor[Int(q)]
            cursor[Int(q)] += 1
            partner[j] = t.partner[i]
            product[j] = t.product[i]
            day[j] = t.day[i]
            quantity[j] = t.quantity[i]
            amount[j] = t.amount[i]
        }

        // Day-to-month table over every day an agreement watches.
        if let lo = agreements.map(\.start).min(), let hi = agreements.map(\.watchEnd).max() {
            firstDay = lo
            monthOfDay = (lo...hi).map { Int32(CivilDate(dayNumber: $0).monthIndex) }
        }
    }

    /// One partition's result: agreements and what they output.
    struct Result {
        var output: AgreementOutput
        var linesCounted: Int
    }

    /// Runs every partition, biggest first, on `threads` workers.
    func run(dataset: Dataset, agreements: [ResolvedAgreement], threads: Int, asOf: CivilDate?) -> [Result] {
        let partitionCount = agreementsOf.count
        let order = (0..<partitionCount).sorted {
            let (a, b) = (lineStart[$0 + 1] - lineStart[$0], lineStart[$1 + 1] - lineStart[$1])
            return a != b ? a > b : $0 < $1
        }
        let palletQuantity = dataset.products.map(\.palletQuantity)
        var results = [Result](repeating: Result(output: AgreementOutput(), linesCounted: 0), count: agreements.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = SharedSlots(base: buffer)
            let next = Atomic<Int>(0)
            let work = { @Sendable (_: Int) in
                while true {
                    let k = next.add(1, ordering: .relaxed).oldValue
                    if k >= partitionCount { return }
                    self.process(partition: order[k], agreements: agreements, palletQuantity: palletQuantity, asOf: asOf, into: slots)
                }
            }
            if threads <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: min(threads, max(1, partitionCount)), execute: work) }
        }
        return results
    }

    /// Fills the partition's accumulators in one pass, then derives their rows.
    private func process(partition p: Int, agreements: [ResolvedAgreement], palletQuantity: [Int64], asOf: CivilDate?, into slots: SharedSlots<Result>) {
        let members = agreementsOf[p]
        var accumulators = members.map { AgreementAccumulator(agreements[$0]) }
        // Local slot of each resolved agreement of this partition.
        var slotOf: [Int32: Int] = [:]
        for (s, i) in members.enumerated() { slotOf[Int32(i)] = s }
        var counted = 0
        let range = lineStart[p]..<lineStart[p + 1]
        var localFeeds: [Int32: [Int]] = [:]
        for i in range {
            let partnerIndex = partner[i]
            let feeds: [Int]
            if let f = localFeeds[partnerIndex] { feeds = f } else {
                feeds = feedsOfPartner[Int(partnerIndex)].compactMap { slotOf[$0] }
                localFeeds[partnerIndex] = feeds
            }
            let t = day[i]
            let k = Int(product[i])
            let d = Int(t - firstDay)
            var touched = false
            for s in feeds {
                let monthIndex = d >= 0 && d < monthOfDay.count ? Int(monthOfDay[d]) : 0
                if accumulators[s].add(product: k, day: t, monthIndex: monthIndex, quantity: quantity[i], amount: amount[i], palletQuantity: palletQuantity[k]) {
                    touched = true
                }
            }
            if touched { counted += 1 }
        }
        for (s, i) in members.enumerated() {
            slots.base[i] = Result(output: accumulators[s].output(asOf: asOf), linesCounted: s == 0 ? counted : 0)
        }
    }

    func linesCounted(_ results: [Result]) -> Int { results.reduce(0) { $0 + $1.linesCounted } }
}
