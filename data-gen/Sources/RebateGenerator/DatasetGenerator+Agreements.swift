import RebateEngine

extension DatasetGenerator {
    /// Expected quantity (milli) and amount (minor) of one line of product `k`, and its full pallets in milli.
    func expectedPerLine(_ k: Int) -> (quantity: Int64, amount: Int64, palletsMilli: Int64) {
        let s = products[k].palletQuantity
        // Unit lines average 12.5 units; a quarter of pallet-product lines are 1 to 3 full pallets.
        let quantity: Int64 = s > 0 ? (2 * s) / 4 + 12_500 * 3 / 4 : 12_500
        let pallets: Int64 = s > 0 ? 500 + min(1000, 12_500 * 1000 / s) * 3 / 4 / 2 : 0
        return (quantity, quantity * unitPrice[k] / 1000, pallets)
    }

    /// Expected basis of partner `p` in `scope` over `days` days, in basis units.
    func expectedBasis(_ p: Int, _ scope: Set<Int>?, _ basis: RebateBasis, days: Int) -> Int64 {
        let w = window(p)
        var perLine: Int64 = 0
        for k in w where scope?.contains(k) ?? true {
            let e = expectedPerLine(k)
            perLine += basis == .quantity ? e.quantity : basis == .amount ? e.amount : e.palletsMilli
        }
        perLine /= Int64(w.count)
        let e = Int128(expectedLines(p)) * Int128(days) * Int128(perLine) * 97 / 100 / Int128(daysInYear)
        return Int64(min(e, 10_000_000_000_000)) // thresholds stay far below the 10^12-unit limit
    }

    /// Tier thresholds at the given percentages of the expected volume, ascending and rounded.
    func thresholds(_ expected: Int64, _ percents: [Int64], basis: RebateBasis) -> [Int64] {
        var out: [Int64] = []
        for pc in percents {
            var f = expected * pc / 100
            f = basis == .amount ? f / 100 * 100 : f / 1000 * 1000 // whole currency units or whole units
            if let last = out.last, f <= last { f = last + (basis == .amount ? 100 : 1000) }
            out.append(max(0, f))
        }
        return out
    }

    func makeAgreements(rng: inout SplitMix64) -> [Agreement] {
        let c = configuration
        let year = c.year
        let d = { (m: Int, day: Int) in CivilDate(year: year, month: m, day: day)! }
        var out: [Agreement] = []
        let categoryOf = { (k: Int) in self.products[k].category }
        // One volume agreement per buying group, counting all of its members.
        var groups: [String: [Int]] = [:]
        for (i, p) in partners.enumerated() { if let g = p.groupID { groups[g, default: []].append(i) } }
        for g in groups.keys.sorted() {
            let members = groups[g]!
            let expected = members.reduce(Int64(0)) { $0 + expectedBasis($1, nil, .amount, days: 91) }
            let f = thresholds(expected, [0, 60, 110], basis: .amount)
            out.append(
                Agreement(
                    id: "GRP-\(g)-\(year)", program: .volume, beneficiary: .group(g), start: d(1, 1), end: d(12, 31),
                    settlement: .quarter, basis: .amount, tiering: .retroactive, valueKind: .percent,
                    tiers: tiers(f, .amount, .percent, [5_000, 15_000, 30_000])))
        }
        let count = min(partners.count * c.agreementDensity, max(8, partners.count / 4 * c.agreementDensity))
        for a in 0..<count {
            let p = a % partners.count
            let template = (a / partners.count + p) % 9
            let w = window(p)
            let cats = Array(Set(w.prefix(6).map(categoryOf))).sorted().prefix(2)
            let catScope = Set(w.filter { cats.contains(categoryOf($0)) })
            let beneficiary = Beneficiary.partner(partners[p].id)
            let id = { (kind: String) in "\(kind)-\(self.partners[p].id)-\(a)" }
            switch template {
            case 0: // volume on amount, retroactive percent, quarterly, capped
                let f = thresholds(expectedBasis(p, catScope, .amount, days: 91), [0, 60, 110], basis: .amount)
                let cap = max(100, expectedBasis(p, catScope, .amount, days: 91) * 25 / 1000) / 100 * 100
                out.append(
                    Agreement(
                        id: id("VOL"), program: .volume, beneficiary: beneficiary,
                        scope: ProductScope(categories: Array(cats)),
                        start: d(1, 1), end: d(12, 31), settlement: .quarter, basis: .amount, tiering: .retroactive,
                        valueKind: .percent, tiers: tiers(f, .amount, .percent, [10_000, 20_000, 35_000]),
                        cap: Money(minorUnits: cap)))
            case 1: // volume on quantity, incremental per unit, monthly
                let f = thresholds(expectedBasis(p, nil, .quantity, days: 30), [0, 50, 100, 150], basis: .quantity)
                out.append(
                    Agreement(
                        id: id("VOLQ"), program: .volume, beneficiary: beneficiary, start: d(1, 1), end: d(12, 31),
                        settlement: .month, basis: .quantity, tiering: .incremental, valueKind: .perUnit,
                        tiers: tiers(f, .quantity, .perUnit, [0, 500, 1_250, 2_000])))
            case 2: // upselling: per unit above a baseline on a few products, yearly
                let push = Array(w.dropFirst(2).prefix(3))
                let f = thresholds(expectedBasis(p, Set(push), .quantity, days: 365), [0, 60], basis: .quantity)
                out.append(
                    Agreement(
                        id: id("UPS"), program: .upsell, beneficiary: beneficiary,
                        scope: ProductScope(products: push.map { products[$0].id }), start: d(1, 1), end: d(12, 31),
                        settlement: .year, basis: .quantity, tiering: .incremental, valueKind: .perUnit,
                        tiers: tiers(f, .quantity, .perUnit, [0, 4_000])))
            case 3: // logistics: per full pallet, quarterly
                let f = thresholds(expectedBasis(p, nil, .pallets, days: 91), [0, 70, 120], basis: .pallets)
                out.append(
                    Agreement(
                        id: id("LOG"), program: .logistics, beneficiary: beneficiary, start: d(1, 1), end: d(12, 31),
                        settlement: .quarter, basis: .pallets, tiering: .retroactive, valueKind: .perPallet,
                        tiers: tiers(f, .pallets, .perPallet, [20_000, 35_000, 50_000])))
            case 4: // logistics: percent of the full-pallet share, monthly, incremental
                let f = thresholds(expectedBasis(p, nil, .pallets, days: 30), [0, 80], basis: .pallets)
                out.append(
                    Agreement(
                        id: id("LOGP"), program: .logistics, beneficiary: beneficiary, start: d(1, 1), end: d(12, 31),
                        settlement: .month, basis: .pallets, tiering: .incremental, valueKind: .percent,
                        tiers: tiers(f, .pallets, .percent, [5_000, 12_500])))
            case 5: // cross-selling: high-margin categories, gated on low-margin ones, forecast
                let high = Set(w.filter { Int(categoryOf($0).dropFirst())! % 2 == 1 })
                let low = Set(w.filter { Int(categoryOf($0).dropFirst())! % 2 == 0 })
                guard !high.isEmpty, !low.isEmpty else { continue }
                let highCats = Array(Set(high.map(categoryOf))).sorted()
                let lowCats = Array(Set(low.map(categoryOf))).sorted().prefix(1)
                let lowScope = Set(w.filter { lowCats.contains(categoryOf($0)) })
                let minimum = max(100, expectedBasis(p, lowScope, .amount, days: 91) / 2 / 100 * 100)
                out.append(
                    Agreement(
                        id: id("XS"), program: .crossSell, beneficiary: beneficiary,
                        scope: ProductScope(categories: highCats),
                        start: d(1, 1), end: d(12, 31), settlement: .quarter, basis: .amount, tiering: .retroactive,
                        valueKind: .percent, tiers: tiers([0], .amount, .percent, [20_000]),
                        gates: [
                            Gate(scope: ProductScope(categories: Array(lowCats)), minimum: Money(minorUnits: minimum))
                        ],
                        accrual: .forecast))
            case 6: // volume: a fixed bonus, mid-year term
                let f = thresholds(expectedBasis(p, nil, .amount, days: 183), [80, 120], basis: .amount)
                out.append(
                    Agreement(
                        id: id("FIX"), program: .volume, beneficiary: beneficiary, start: d(4, 1), end: d(9, 30),
                        settlement: .term, basis: .amount, tiering: .retroactive, valueKind: .fixed,
                        tiers: tiers(f, .amount, .fixed, [50_000, 120_000])))
            case 7: // volume: yearly run-rate forecast, gated on a quantity
                let f = thresholds(expectedBasis(p, nil, .amount, days: 365), [0, 50, 90, 130], basis: .amount)
                let gateMin = max(1000, expectedBasis(p, catScope, .quantity, days: 365) / 3 / 1000 * 1000)
                out.append(
                    Agreement(
                        id: id("RUN"), program: .volume, beneficiary: beneficiary, start: d(1, 1), end: d(12, 31),
                        settlement: .year, basis: .amount, tiering: .retroactive, valueKind: .percent,
                        tiers: tiers(f, .amount, .percent, [5_000, 10_000, 17_500, 25_000]),
                        cap: Money(minorUnits: max(10_000, expectedBasis(p, nil, .amount, days: 365) / 40 / 100 * 100)),
                        gates: [
                            Gate(scope: ProductScope(categories: Array(cats)), minimum: Quantity(milliUnits: gateMin))
                        ],
                        accrual: .forecast))
            default: // upselling: per unit, retroactive, starting and ending mid-month
                let f = thresholds(expectedBasis(p, catScope, .quantity, days: 30), [40, 100], basis: .quantity)
                out.append(
                    Agreement(
                        id: id("UPM"), program: .upsell, beneficiary: beneficiary,
                        scope: ProductScope(categories: Array(cats)),
                        start: d(3, 15), end: d(11, 20), settlement: .month, basis: .quantity, tiering: .retroactive,
                        valueKind: .perUnit, tiers: tiers(f, .quantity, .perUnit, [1_500, 3_000])))
            }
        }
        // Gamers: a quarterly quantity agreement tight enough that a quarter-end spike crosses a tier.
        for g in gamers {
            let p = Int(g)
            let e = expectedBasis(p, nil, .quantity, days: 91)
            let f = thresholds(e, [0, 105], basis: .quantity)
            out.append(
                Agreement(
                    id: "GAME-\(partners[p].id)", program: .volume, beneficiary: .partner(partners[p].id),
                    start: d(1, 1), end: d(12, 31), settlement: .quarter, basis: .quantity, tiering: .retroactive,
                    valueKind: .perUnit, tiers: tiers(f, .quantity, .perUnit, [100, 1_000])))
        }
        _ = rng.next()
        return out
    }

    /// Tiers from scaled thresholds and values, typed by the agreement's basis and value kind.
    func tiers(_ from: [Int64], _ basis: RebateBasis, _ kind: TierValueKind, _ values: [Int64]) -> [Tier] {
        zip(from, values).map { f, v in
            let value: TierValue
            switch kind {
            case .percent: value = .percent(Rate(tenThousandths: v))
            case .perUnit: value = .perUnit(Rate(tenThousandths: v))
            case .perPallet: value = .perPallet(Rate(tenThousandths: v))
            case .fixed: value = .fixed(Money(minorUnits: v))
            }
            return basis == .amount
                ? Tier(from: Money(minorUnits: f), value: value) : Tier(from: Quantity(milliUnits: f), value: value)
        }
    }
}
