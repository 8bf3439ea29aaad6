/// Read-only views of the partitioned line columns, valid inside
/// ``PartitionPlan/withLineViews(_:)``.
/// It never escapes the scope that owns the arrays.
struct LineView {
    /// The lines, grouped by partner.
    let lines: ColumnPointers
    /// Each product's pallet quantity, as a divisor.
    let pallets: UnsafeBufferPointer<PalletDivisor>
    /// Calendar month index of each day from `firstDay`.
    let monthOfDay: UnsafeBufferPointer<Int32>
    let firstDay: Int32
}

/// The running sums of one agreement, filled by one pass over its partners' lines.
///
/// Sums are kept per calendar month (quantity, amount, pallets and each
/// gate's measure), plus per settlement period the positive basis of its last
/// 7 days and the returns of the 30 days after it. Every output is derived
/// from these: month-end accruals are prefix sums, so no line is read twice.
/// All of it lives in one flat `Int128` array, local to the worker.
struct AgreementAccumulator {
    let resolved: ResolvedAgreement
    /// `[(quantity, amount, pallets) × months | gate g × months ... | last week × periods | returns × periods]`:
    /// a line's three sums share a cache line.
    private(set) var sums: [Int128]

    /// Lines are counted up to this day: the agreement's end, or the as-of date when earlier.
    let countedEnd: Int32
    /// Returns are watched up to this day: 30 days after the end, or the as-of date when earlier.
    let watchedEnd: Int32

    init(_ r: ResolvedAgreement, asOf: CivilDate?) {
        resolved = r
        let limit = asOf?.dayNumber ?? Int32.max // lines after the as-of date are not yet known
        countedEnd = min(r.end, limit)
        watchedEnd = min(r.watchEnd, limit)
        sums = Array(
            repeating: 0, count: r.monthCount * (3 + r.gateScopes.count) + 2 * r.periods.count + r.priorDays)
    }

    private var months: Int { resolved.monthCount }
    func quantity(_ m: Int) -> Int128 { sums[3 * m] }
    func amount(_ m: Int) -> Int128 { sums[3 * m + 1] }
    func pallets(_ m: Int) -> Int128 { sums[3 * m + 2] }
    func gate(_ g: Int, _ m: Int) -> Int128 { sums[(3 + g) * months + m] }
    /// Positive basis of the lines of period `p`'s last 7 days.
    func lastWeekBasis(_ p: Int) -> Int128 { sums[(3 + resolved.gateScopes.count) * months + p] }
    /// Basis of the returns dated in the 30 days after period `p` ends.
    func returnsAfter(_ p: Int) -> Int128 {
        sums[(3 + resolved.gateScopes.count) * months + resolved.periods.count + p]
    }

    /// The basis of the prior-year lines dated `resolved.priorFirst + day` (a prior-year growth agreement).
    func priorBasis(_ day: Int) -> Int128 {
        sums[(3 + resolved.gateScopes.count) * months + 2 * resolved.periods.count + day]
    }

    /// Adds the sums of another accumulator of the same agreement (a piece of the same partition).
    mutating func add(_ other: AgreementAccumulator) {
        assert(other.sums.count == sums.count)
        for i in sums.indices { sums[i] &+= other.sums[i] }
    }

    /// Adds the lines `range` of one partner of the agreement.
    ///
    /// The hot loop: every per-agreement constant is hoisted, the buffers are
    /// read without bounds checks (asserted in debug builds), and sums go to a
    /// local array. `Int128` sums of `Int64` values cannot overflow below 2^64 lines.
    /// - Complexity: O(lines in `range`).
    mutating func accumulate(_ v: LineView, _ range: Range<Int>) {
        if range.isEmpty { return }
        // One loop per basis kind and scope kind, so neither is tested per line.
        switch (resolved.agreement.basis, resolved.scope.everything) {
        case (.quantity, true): accumulate(v, range, QuantityBasis.self, EveryProduct.self)
        case (.quantity, false): accumulate(v, range, QuantityBasis.self, ListedProducts.self)
        case (.amount, true): accumulate(v, range, AmountBasis.self, EveryProduct.self)
        case (.amount, false): accumulate(v, range, AmountBasis.self, ListedProducts.self)
        case (.pallets, true): accumulate(v, range, PalletBasis.self, EveryProduct.self)
        case (.pallets, false): accumulate(v, range, PalletBasis.self, ListedProducts.self)
        }
        accumulateGates(v, range)
    }

    // One piece: the hot loop, specialised per basis and scope kind. Its constants are locals and its
    // columns plain pointers, so fewer of them are reloaded from the stack each line.
    private mutating func accumulate<B: BasisRule, S: ScopeRule>(
        _ v: LineView, _ range: Range<Int>, _: B.Type, _: S.Type
    ) {
        let r = resolved
        let months = r.monthCount
        let start = r.start
        let end = countedEnd
        let watchEnd = watchedEnd
        // A line's month, relative to the agreement's first month, is `monthOfDay[t - firstDay] - firstMonth`.
        let monthShift = Int32(r.firstMonth)
        let firstDay = v.firstDay
        let lastWeekBase = (3 + r.gateScopes.count) * months
        let returnsBase = lastWeekBase + r.periods.count
        let periodCount = r.periods.count
        let lines = v.lines
        assert(range.upperBound <= lines.count)
        // Non-empty buffers (the range is not empty), so every base address is there.
        let day = lines.day.baseAddress!
        let product = lines.product.baseAddress!
        let quantity = lines.quantity.baseAddress!
        let amount = lines.amount.baseAddress!
        let pallets = v.pallets.baseAddress!
        let monthOfDay = v.monthOfDay.baseAddress!
        r.scope.words.withUnsafeBufferPointer { scopeWords in
            r.periodOfMonth.withUnsafeBufferPointer { periodOfMonth in
                r.lastWeekStart.withUnsafeBufferPointer { lastWeekStart in
                    r.periodEnds.withUnsafeBufferPointer { periodEnds in
                        sums.withUnsafeMutableBufferPointer { s in
                            let scope = scopeWords.baseAddress
                            for i in range {
                                let t = day[i]
                                if t < start || t > watchEnd { continue }
                                let k = Int(product[i])
                                if !S.admits(k, scope) { continue }
                                let q = quantity[i]
                                let pallet = pallets[k]
                                // Toward zero: a return of 2.5 pallets is -2.
                                let n = pallet.fullPallets(q)
                                // What the line contributes in the agreement's own terms (SPEC section 3).
                                let (cq, ca, basis) = B.contribution(
                                    quantity: q, amount: amount[i], pallets: n, palletSize: pallet.size)
                                if t <= end {
                                    let m = Int(monthOfDay[Int(t &- firstDay)] &- monthShift)
                                    assert(m >= 0 && m < months)
                                    s[3 &* m] &+= Int128(cq)
                                    s[3 &* m &+ 1] &+= Int128(ca)
                                    s[3 &* m &+ 2] &+= Int128(n)
                                    if basis > 0 {
                                        let p = Int(periodOfMonth[m])
                                        if t >= lastWeekStart[p] { s[lastWeekBase &+ p] &+= Int128(basis) }
                                    }
                                }
                                // A return counts against every period whose 30-day window holds it.
                                if q < 0 {
                                    var p = periodCount - 1
                                    while p >= 0, periodEnds[p] >= t { p -= 1 }
                                    while p >= 0, periodEnds[p] + 30 >= t {
                                        s[returnsBase + p] &+= Int128(basis)
                                        p -= 1
                                    }
                                }
                            }
                            // A prior-year growth agreement: the basis of last year's lines, day by day, for
                            // the baseline of any day (SPEC section 10). Plain agreements skip it.
                            if r.priorDays > 0 {
                                let priorBase = returnsBase + periodCount
                                let priorFirst = r.priorFirst
                                // Lines after the as-of date are not yet known (countedEnd is the as-of date then).
                                let priorLast = min(priorFirst + Int32(r.priorDays) - 1, end)
                                for i in range {
                                    let t = day[i]
                                    if t < priorFirst || t > priorLast { continue }
                                    let k = Int(product[i])
                                    if !S.admits(k, scope) { continue }
                                    let q = quantity[i]
                                    let pallet = pallets[k]
                                    let n = pallet.fullPallets(q)
                                    let (_, _, basis) = B.contribution(
                                        quantity: q, amount: amount[i], pallets: n, palletSize: pallet.size)
                                    s[priorBase + Int(t - priorFirst)] &+= Int128(basis)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds each gate's measure of the lines `range`, month by month.
    private mutating func accumulateGates(_ v: LineView, _ range: Range<Int>) {
        let r = resolved
        let months = r.monthCount
        let (start, end) = (r.start, countedEnd)
        let firstMonth = Int32(r.firstMonth)
        let lines = v.lines
        sums.withUnsafeMutableBufferPointer { s in
            for g in 0..<r.gateScopes.count {
                let base = (3 + g) * months
                let byQuantity = r.gateMeasures[g] == .quantity
                r.gateScopes[g].words.withUnsafeBufferPointer { gateScope in
                    for i in range {
                        let t = lines.day[i]
                        if t < start || t > end { continue }
                        let k = Int(lines.product[i])
                        if gateScope[k >> 6] & (1 << UInt64(k & 63)) == 0 { continue }
                        let m = Int(v.monthOfDay[Int(t - v.firstDay)] - firstMonth)
                        s[base + m] &+= Int128(byQuantity ? lines.quantity[i] : lines.amount[i])
                    }
                }
            }
        }
    }
}

/// Whether an agreement's scope admits product `k`: one loop per kind, so a scope of every product
/// costs no test per line.
protocol ScopeRule {
    static func admits(_ k: Int, _ words: UnsafePointer<UInt64>?) -> Bool
}

enum EveryProduct: ScopeRule {
    @inline(__always)
    static func admits(_ k: Int, _ words: UnsafePointer<UInt64>?) -> Bool { true }
}

enum ListedProducts: ScopeRule {
    /// The scope's bitmap has a word for every product, so `words` is not `nil` and `k >> 6` is in it.
    @inline(__always)
    static func admits(_ k: Int, _ words: UnsafePointer<UInt64>?) -> Bool {
        words.unsafelyUnwrapped[k &>> 6] & (1 &<< UInt64(k & 63)) != 0
    }
}

/// How a line contributes to an agreement of one basis kind: (quantity, amount, basis).
protocol BasisRule {
    static func contribution(quantity: Int64, amount: Int64, pallets: Int64, palletSize: Int64) -> (Int64, Int64, Int64)
}

enum QuantityBasis: BasisRule {
    @inline(__always)
    static func contribution(quantity: Int64, amount: Int64, pallets: Int64, palletSize: Int64) -> (Int64, Int64, Int64)
    {
        (quantity, amount, quantity)
    }
}

enum AmountBasis: BasisRule {
    @inline(__always)
    static func contribution(quantity: Int64, amount: Int64, pallets: Int64, palletSize: Int64) -> (Int64, Int64, Int64)
    {
        (quantity, amount, amount)
    }
}

enum PalletBasis: BasisRule {
    /// Only the full pallets count: quantity `n*s`, and `amount * n*s / quantity`
    /// rounded once per line (n*s and quantity share their sign, so magnitudes divide).
    @inline(__always)
    static func contribution(quantity: Int64, amount: Int64, pallets: Int64, palletSize: Int64) -> (Int64, Int64, Int64)
    {
        let share = pallets * palletSize
        let shareAmount =
            share == 0
            ? 0
            : Int64(DecimalText.roundedQuotient(Int128(amount) * Int128(share.magnitude), Int128(quantity.magnitude)))
        return (share, shareAmount, pallets * 1000)
    }
}
