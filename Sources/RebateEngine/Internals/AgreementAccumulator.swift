/// The running sums of one agreement, filled by one pass over its partition.
///
/// Sums are kept per calendar month (quantity, amount, pallets and each
/// gate's measure), plus per settlement period the positive basis of its last
/// 7 days and the returns of the 30 days after it. Every output is derived
/// from these: month-end accruals are prefix sums, so no line is read twice.
struct AgreementAccumulator {
    let resolved: ResolvedAgreement
    var quantity: [Int128]
    var amount: [Int128]
    var pallets: [Int128]
    /// `gates[g * monthCount + m]`.
    var gates: [Int128]
    /// Positive basis of lines in each period's last 7 days.
    var lastWeekBasis: [Int128]
    /// Basis of returns dated in the 30 days after each period's end.
    var returnsAfter: [Int128]
    init(_ r: ResolvedAgreement) {
        resolved = r
        quantity = Array(repeating: 0, count: r.monthCount)
        amount = quantity
        pallets = quantity
        gates = Array(repeating: 0, count: r.monthCount * r.gateScopes.count)
        lastWeekBasis = Array(repeating: 0, count: r.periods.count)
        returnsAfter = lastWeekBasis
    }

    /// Adds one line. `dayMonth` maps the line's day to its calendar month index.
    /// - Precondition: the partner of the line is one of the agreement's partners.
    /// - Returns: whether the line counted for the agreement (scope, gate or return window).
    @inline(__always)
    mutating func add(product k: Int, day t: Int32, monthIndex: Int, quantity q: Int64, amount a: Int64, palletQuantity s: Int64) -> Bool {
        let r = resolved
        guard t >= r.start, t <= r.watchEnd else { return false }
        var counted = false
        let inScope = r.scope.contains(k)
        let fullPallets: Int64 = s > 0 ? q / s : 0   // toward zero: a return of 2.5 pallets is -2
        // What the line contributes in the agreement's own terms (SPEC section 3).
        var cq = q, ca = a
        if r.agreement.basis == .pallets {
            cq = fullPallets * s
            // amount * n*s / quantity; n*s and quantity share their sign, so divide magnitudes.
            ca = q == 0 ? 0 : Int64(DecimalText.roundedQuotient(Int128(a) * Int128(cq.magnitude), Int128(q.magnitude)))
        }
        let basis: Int64
        switch r.agreement.basis {
        case .quantity: basis = cq
        case .amount: basis = ca
        case .pallets: basis = fullPallets * 1000
        }
        if t <= r.end {
            let m = monthIndex - r.firstMonth
            assert(m >= 0 && m < r.monthCount)
            if inScope {
                quantity[m] += Int128(cq)
                amount[m] += Int128(ca)
                pallets[m] += Int128(fullPallets)
                let p = Int(r.periodOfMonth[m])
                if basis > 0, t >= r.lastWeekStart[p] { lastWeekBasis[p] += Int128(basis) }
                counted = true
            }
            for g in 0..<r.gateScopes.count where r.gateScopes[g].contains(k) {
                gates[g * r.monthCount + m] += Int128(r.gateMeasures[g] == .quantity ? q : a)
                counted = true
            }
        }
        // A return counts against every period whose 30-day window holds it.
        if inScope, q < 0 {
            var p = r.periods.count - 1
            while p >= 0, r.periods[p].end.dayNumber >= t { p -= 1 }
            while p >= 0, r.periods[p].end.dayNumber + 30 >= t {
                returnsAfter[p] += Int128(basis)
                counted = true
                p -= 1
            }
        }
        return counted
    }
}
