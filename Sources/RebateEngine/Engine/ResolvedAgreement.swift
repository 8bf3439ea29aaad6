/// A set of product indices, one bit a product.
struct ProductBitmap: Sendable {
    private(set) var words: [UInt64]
    let everything: Bool

    init(productCount: Int, everything: Bool = false) {
        words = Array(repeating: everything ? ~0 : 0, count: (productCount + 63) / 64)
        self.everything = everything
    }

    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }

    @inline(__always)
    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
}

/// A settlement period: calendar period cut to the agreement's dates.
struct SettlementPeriod: Sendable, Equatable {
    var start: CivilDate
    var end: CivilDate
    /// Inclusive day count `D`.
    var days: Int64 { Int64(end.dayNumber - start.dayNumber) + 1 }

    /// Cuts `start...end` into calendar months, quarters or years, or leaves it whole.
    static func periods(from start: CivilDate, to end: CivilDate, _ frequency: SettlementFrequency)
        -> [SettlementPeriod]
    {
        let monthsPerPeriod: Int
        switch frequency {
        case .term: return [SettlementPeriod(start: start, end: end)]
        case .month: monthsPerPeriod = 1
        case .quarter: monthsPerPeriod = 3
        case .year: monthsPerPeriod = 12
        }
        var out: [SettlementPeriod] = []
        var month = start.monthIndex - start.monthIndex % monthsPerPeriod
        while true {
            let first = CivilDate.firstDay(ofMonthIndex: month)
            let last = CivilDate.lastDay(ofMonthIndex: month + monthsPerPeriod - 1)
            if first > end { break }
            out.append(SettlementPeriod(start: max(first, start), end: min(last, end)))
            month += monthsPerPeriod
        }
        return out
    }
}

/// An agreement checked against the dataset and turned into indices and tables.
struct ResolvedAgreement: Sendable {
    let index: Int
    let agreement: Agreement
    let formula: RebateFormula
    let scope: ProductBitmap
    let gateScopes: [ProductBitmap]
    let gateMeasures: [Gate.Measure]
    let gateMinimums: [Int64]
    let periods: [SettlementPeriod]
    /// The agreement's first calendar month (``CivilDate/monthIndex``) and month count.
    let firstMonth: Int
    let monthCount: Int
    /// Period of each month, 0-based from `firstMonth`.
    let periodOfMonth: [Int32]
    /// First day of each period's last 7 days, and each period's last day.
    let lastWeekStart: [Int32]
    let periodEnds: [Int32]
    /// Partners whose lines count: the beneficiary, or the group's members.
    let partners: [Int32]
    /// A prior-year growth agreement's window of prior-year days, `[start', (end + 1)')`: the first
    /// day and the day count (0 for any other agreement). Every period's baseline window lies in it.
    let priorFirst: Int32
    let priorDays: Int

    var start: Int32 { agreement.start.dayNumber }
    var end: Int32 { agreement.end.dayNumber }
    /// Returns are watched for 30 days after each period's end.
    var watchEnd: Int32 { agreement.end.dayNumber + 30 }

    // One piece: every agreement is checked and turned into tables in one pass so all problems are reported together.
    static func resolve(_ dataset: Dataset) throws(RebateError) -> [ResolvedAgreement] {
        var problems: [InputProblem] = []
        var productIndex: [String: Int] = [:]
        var categoryProducts: [String: [Int]] = [:]
        for (i, p) in dataset.products.enumerated() {
            productIndex[p.id] = i
            categoryProducts[p.category, default: []].append(i)
        }
        var partnerIndex: [String: Int32] = [:]
        var groupMembers: [String: [Int32]] = [:]
        for (i, p) in dataset.partners.enumerated() {
            partnerIndex[p.id] = Int32(i)
            if let g = p.groupID { groupMembers[g, default: []].append(Int32(i)) }
        }
        let productCount = dataset.products.count
        func bitmap(_ scope: ProductScope?) -> ProductBitmap {
            guard let scope else { return ProductBitmap(productCount: productCount, everything: true) }
            var b = ProductBitmap(productCount: productCount)
            for c in scope.categories {
                for i in categoryProducts[c] ?? [] { b.insert(i) } // an unknown category matches nothing
            }
            for p in scope.products {
                if let i = productIndex[p] { b.insert(i) } // an unknown product matches nothing
            }
            return b
        }
        var seen = Set<String>()
        var out: [ResolvedAgreement] = []
        for (i, a) in dataset.agreements.agreements.enumerated() {
            let path = "agreements[\(i)]"
            if !seen.insert(a.id).inserted {
                problems.append(
                    InputProblem(file: "agreements.json", field: path + ".id", reason: "duplicate id \"\(a.id)\""))
            }
            if a.end < a.start {
                problems.append(InputProblem(file: "agreements.json", field: path + ".end", reason: "before start"))
                continue
            }
            if a.tiers.isEmpty || zip(a.tiers, a.tiers.dropFirst()).contains(where: { $0.from >= $1.from })
                || a.tiers[0].from < 0
            {
                problems.append(
                    InputProblem(
                        file: "agreements.json", field: path + ".tiers",
                        reason: "need one or more tiers, ascending from 0 or more"))
                continue
            }
            let partners: [Int32]
            switch a.beneficiary {
            case .partner(let id):
                partners = partnerIndex[id].map { [$0] } ?? [] // an unknown partner has no lines
            case .group(let id):
                partners = groupMembers[id] ?? [] // a group without members has no lines
            }
            let periods = SettlementPeriod.periods(from: a.start, to: a.end, a.settlement)
            let firstMonth = a.start.monthIndex
            let monthCount = a.end.monthIndex - firstMonth + 1
            var periodOfMonth = [Int32](repeating: 0, count: monthCount)
            for (p, period) in periods.enumerated() {
                for m in period.start.monthIndex...period.end.monthIndex { periodOfMonth[m - firstMonth] = Int32(p) }
            }
            var priorFirst: Int32 = 0
            var priorDays = 0
            if a.growth?.baseline == .priorYear {
                priorFirst = a.start.oneYearEarlier.dayNumber
                priorDays = Int(CivilDate(dayNumber: a.end.dayNumber + 1).oneYearEarlier.dayNumber - priorFirst)
            }
            out.append(
                ResolvedAgreement(
                    index: i, agreement: a, formula: RebateFormula(a, decimals: dataset.agreements.decimals),
                    scope: bitmap(a.scope),
                    gateScopes: a.gates.map { bitmap($0.scope) },
                    gateMeasures: a.gates.map(\.measure), gateMinimums: a.gates.map(\.minimum),
                    periods: periods, firstMonth: firstMonth, monthCount: monthCount, periodOfMonth: periodOfMonth,
                    lastWeekStart: periods.map { max($0.start.dayNumber, $0.end.dayNumber - 6) },
                    periodEnds: periods.map(\.end.dayNumber),
                    partners: partners, priorFirst: priorFirst, priorDays: priorDays))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return out
    }
}
