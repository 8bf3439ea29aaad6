/// The rows one agreement contributes to each output.
struct AgreementOutput: Sendable {
    var accruals: [AccrualRow] = []
    var settlements: [SettlementRow] = []
    var statement: StatementRow?
    var anomalies: [Anomaly] = []
}

extension AgreementAccumulator {
    /// Derives every output row from the monthly sums (SPEC sections 5 and 6).
    /// - Complexity: O(months × tiers) for the agreement; no line is read.
    // One piece: the month walk carries running sums from month to month; cut up, they would be passed around.
    func output(asOf: CivilDate?) -> AgreementOutput {
        let r = resolved
        let a = r.agreement
        let f = r.formula
        var out = AgreementOutput()
        let gateCount = r.gateScopes.count
        // Months are reported up to the as-of month; and not at all before the agreement starts.
        let lastDay = asOf.map { min($0, a.end) } ?? a.end
        guard lastDay >= a.start else { return out }

        for (p, period) in r.periods.enumerated() where period.start <= lastDay {
            var sums = RebateFormula.Sums(gates: Array(repeating: 0, count: gateCount))
            var previous: Int128 = 0
            let D = period.days
            for monthIndex in period.start.monthIndex...period.end.monthIndex {
                let m = monthIndex - r.firstMonth
                let monthStart = CivilDate.firstDay(ofMonthIndex: monthIndex)
                if monthStart > lastDay { break }
                sums.quantity += quantity(m)
                sums.amount += amount(m)
                sums.pallets += pallets(m)
                for g in 0..<gateCount { sums.gates[g] += gate(g, m) }
                // The day the month's figure is taken at.
                let day = min(CivilDate.lastDay(ofMonthIndex: monthIndex), period.end, lastDay)
                let e = Int64(day.dayNumber - period.start.dayNumber) + 1
                let accrued =
                    a.accrual == .earned
                    ? f.result(sums, gateMinimums: r.gateMinimums).accrued
                    : f.result(sums, gateMinimums: r.gateMinimums, scaleUp: D, scaleDown: e).accrued
                let basis = sums.basis(a.basis)
                out.accruals.append(
                    AccrualRow(
                        agreementID: a.id, program: a.program, beneficiary: a.beneficiary.id,
                        periodStart: period.start, periodEnd: period.end, month: monthStart,
                        quantity: sums.quantity, amount: sums.amount, pallets: sums.pallets,
                        basisKind: a.basis, basis: basis, tier: f.tier(basis: basis),
                        accruedToDate: accrued, posting: accrued - previous))
                previous = accrued
            }
            let basis = sums.basis(a.basis)
            let tier = f.tier(basis: basis)
            let ended = asOf.map { period.end <= $0 } ?? true
            if ended {
                let earned = f.result(sums, gateMinimums: r.gateMinimums).projected
                out.settlements.append(
                    SettlementRow(
                        agreementID: a.id, program: a.program, beneficiary: a.beneficiary.id,
                        periodStart: period.start, periodEnd: period.end,
                        quantity: sums.quantity, amount: sums.amount, pallets: sums.pallets,
                        basisKind: a.basis, basis: basis, tier: tier, earned: earned))
                out.anomalies += anomalies(period: p, basis: basis, tier: tier)
            }
            // The statement covers the period holding the as-of date, or the last one.
            if period.end >= lastDay || p == r.periods.count - 1 {
                if out.statement == nil {
                    let day = min(period.end, lastDay)
                    let e = Int64(day.dayNumber - period.start.dayNumber) + 1
                    let earned = f.result(sums, gateMinimums: r.gateMinimums).projected
                    let forecast = f.result(sums, gateMinimums: r.gateMinimums, scaleUp: D, scaleDown: e).projected
                    let next = f.nextThreshold(after: tier)
                    out.statement = StatementRow(
                        beneficiary: a.beneficiary.id, agreementID: a.id, program: a.program,
                        periodStart: period.start, periodEnd: period.end, asOf: day,
                        basisKind: a.basis, basis: basis, tier: tier, earnedToDate: earned,
                        nextTierFrom: next, toNextTier: next.map { Int128($0) - basis }, forecastEarned: forecast,
                        gates: a.gates.enumerated().map { g, gate in
                            GateProgress(
                                scope: gate.scope, measure: gate.measure, minimum: gate.minimum, bought: sums.gates[g])
                        })
                }
            }
        }
        return out
    }

    /// The findings of SPEC section 6 for an ended period.
    private func anomalies(period p: Int, basis: Int128, tier: Int) -> [Anomaly] {
        let r = resolved
        let a = r.agreement
        let period = r.periods[p]
        var found: [Anomaly] = []
        let text = { (v: Int128) in RebateReportFormat.basisText(v, a.basis, decimals: r.formula.decimals) }
        let lifted = lastWeekBasis(p)
        let tierWithout = r.formula.tier(basis: basis - lifted)
        let returned = -returnsAfter(p)
        if lifted > 0, tierWithout < tier, 2 * returned >= lifted {
            found.append(
                Anomaly(
                    kind: .tierGaming, agreementID: a.id, beneficiary: a.beneficiary.id,
                    periodStart: period.start, periodEnd: period.end,
                    detail:
                        "basis \(text(lifted)) in the last 7 days lifted tier \(tierWithout) to \(tier); returns of \(text(returned)) within 30 days after the period"
                ))
        }
        if basis < 0 {
            found.append(
                Anomaly(
                    kind: .negativeBasis, agreementID: a.id, beneficiary: a.beneficiary.id,
                    periodStart: period.start, periodEnd: period.end,
                    detail: "the period ended with basis \(text(basis))"))
        }
        return found
    }
}
