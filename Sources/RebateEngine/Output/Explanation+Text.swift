extension Explanation {
    /// The explanation for an auditor, as plain text: the period, the sums, each tier and gate,
    /// the cap, the formula with the actual numbers, the posting, and the lines that weigh most.
    public var text: String {
        let a = agreement
        let d = decimals
        let money = { (v: Int128) in DecimalText.money(v, decimals: d) }
        let basisText = { (v: Int128) in RebateReportFormat.basisText(v, a.basis, decimals: d) }
        let formula = RebateFormula(a, decimals: d)
        var out: [String] = []
        let who: String
        switch a.beneficiary {
        case .partner(let id): who = "partner \(id)"
        case .group(let id): who = "buying group \(id)"
        }
        out.append("Agreement \(a.id) (\(a.program.rawValue)), beneficiary \(who)")
        out.append(
            "Scope: \(a.scope.map(PartnerStatement.scopeText) ?? "every product"); \(a.start) to \(a.end); settlement \(a.settlement.rawValue); accrual \(a.accrual.rawValue)"
        )
        out.append(
            "Settlement period \(periodStart) to \(periodEnd); month \(month.monthText); figures on \(day) (D = \(daysInPeriod) days in the period, e = \(daysElapsed) elapsed)"
        )
        out.append("")
        out.append("Sums of the period through \(day), over \(lineCount) line\(lineCount == 1 ? "" : "s"):")
        out.append("  Q (quantity) = \(DecimalText.plain(quantity, scale: 3))")
        out.append("  A (amount)   = \(money(amount)) \(currency)")
        out.append("  N (pallets)  = \(pallets)")
        let letter = ["quantity": "Q", "amount": "A", "pallets": "N"][a.basis.rawValue]!
        out.append("  B = \(letter) = \(basisText(basis))")
        out.append("")
        out.append("Tiers (\(a.tiering.rawValue), \(a.valueKind.rawValue)):")
        for (i, t) in a.tiers.enumerated() {
            let reached = basis >= Int128(t.from)
            let state =
                reached
                ? (i + 1 == tier ? "reached, the highest" : "reached")
                : "not reached, \(basisText(Int128(t.from) - basis)) missing"
            out.append("  tier \(i + 1) from \(basisText(Int128(t.from))): \(valueText(t.value)) -- \(state)")
        }
        out.append("  tier reached: \(tier)")
        if !gates.isEmpty {
            out.append("Gates (each must be met, or the period earns nothing):")
            for (g, gate) in gates.enumerated() {
                let v = { (x: Int128) in
                    gate.measure == .amount ? money(x) + " " + self.currency : DecimalText.plain(x, scale: 3)
                }
                out.append(
                    "  gate \(g + 1): \(gate.measure.rawValue) of \(PartnerStatement.scopeText(gate.scope)) >= \(v(Int128(gate.minimum))): \(v(gate.bought)) -- \(gate.isMet ? "met" : "not met, \(v(gate.missing)) missing")"
                )
            }
        }
        out.append("Cap: \(a.cap.map { money(Int128($0)) + " " + currency + " per period" } ?? "none")")
        out.append("")
        out.append("Formula (SPEC sections 4 and 5), exact; rounded once, half away from zero:")
        out += steps(formula)
        out.append("  accrued_to_date = \(money(accruedToDate))")
        if month.monthIndex == periodStart.monthIndex {
            out.append("  posting = accrued_to_date (the period's first month) = \(money(posting))")
        } else {
            out.append(
                "  posting = accrued_to_date - previous month's \(money(previousAccrued)) = \(money(posting))")
        }
        out.append("")
        out.append("The \(lines.count) line\(lines.count == 1 ? "" : "s") that weigh most in B:")
        let header = ["line_id", "date", "partner", "product", "quantity", "amount", "contribution"]
        var rows = [header]
        for l in lines {
            rows.append([
                l.lineID, l.date.description, l.partner, l.product, DecimalText.plain(l.quantity, scale: 3),
                money(l.amount), basisText(l.contribution),
            ])
        }
        var widths = Array(repeating: 0, count: header.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        for r in rows {
            let cells = r.enumerated().map { i, c in
                i >= 4
                    ? String(repeating: " ", count: widths[i] - c.count) + c
                    : c + String(repeating: " ", count: widths[i] - c.count)
            }
            out.append("  " + cells.joined(separator: "  "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// A tier's value for people: `2.5%`, `0.40 per unit`, `12 fixed`.
    private func valueText(_ v: Int64) -> String {
        switch agreement.valueKind {
        case .percent: return DecimalText.plain(Int128(v), scale: 4) + "%"
        case .perUnit: return DecimalText.plain(Int128(v), scale: 4) + " \(currency) per unit"
        case .perPallet: return DecimalText.plain(Int128(v), scale: 4) + " \(currency) per pallet"
        case .fixed: return DecimalText.money(Int128(v), decimals: decimals) + " \(currency) fixed"
        }
    }

    /// The worked steps: R with the actual numbers, gates, cap, and the forecast's scaling.
    private func steps(_ formula: RebateFormula) -> [String] {
        let a = agreement
        let d = decimals
        var out: [String] = []
        let forecast = a.accrual == .forecast && daysElapsed != daysInPeriod
        let (D, e) = forecast ? (daysInPeriod, daysElapsed) : (1, 1)
        let k = forecast ? " at run-rate k = D/e = \(D)/\(e)" : ""
        // The quantity R scales: what the tier value multiplies.
        let (xName, xScale, x): (String, Int, Int128)
        switch a.valueKind {
        case .percent: (xName, xScale, x) = ("A", d, amount)
        case .perUnit: (xName, xScale, x) = ("Q", 3, quantity)
        case .perPallet: (xName, xScale, x) = ("N", 0, pallets)
        case .fixed: (xName, xScale, x) = ("", 0, 0)
        }
        let scaled = { (v: Int128, scale: Int) in Self.exact(v * Int128(D), Int128(e), scale: scale) }
        if forecast {
            out.append(
                "  forecast: R is evaluated on k*B = \(scaled(basis, a.basis == .amount ? d : 3)), k*\(xName.isEmpty ? "B" : xName) = \(xName.isEmpty ? scaled(basis, a.basis == .amount ? d : 3) : scaled(x, xScale))\(k)"
            )
        }
        let kb = forecast ? "k*B" : "B"
        let reached = (0..<a.tiers.count).last { i in basis * Int128(D) >= Int128(a.tiers[i].from) * Int128(e) }
        guard let j = reached else {
            out.append("  no tier reached by \(kb): R = 0")
            return out + closing(formula, D: D, e: e)
        }
        let v = { (i: Int) in self.valueText(a.tiers[i].value) }
        let xv = forecast ? "k*\(xName)" : xName
        let xText = forecast ? scaled(x, xScale) : DecimalText.plain(x, scale: xScale)
        switch (a.valueKind, a.tiering) {
        case (.fixed, .retroactive):
            out.append("  retroactive fixed: R = tier \(j + 1)'s fixed sum = \(v(j))")
        case (.fixed, .incremental):
            out.append(
                "  incremental fixed: R = the fixed sums of tiers 1 to \(j + 1): "
                    + (0...j).map(v).joined(separator: " + "))
        case (_, .retroactive):
            out.append("  retroactive: R = \(xv) x tier \(j + 1)'s value = \(xText) x \(v(j))")
        case (_, .incremental):
            out.append(
                "  incremental: R = sum over reached tiers of \(xv) x (s_i / \(kb)) x value_i, s_i = min(\(kb), f_(i+1)) - f_i:"
            )
            let unit = a.basis == .amount ? d : 3
            for i in 0...j {
                let upper = i < j ? Int128(a.tiers[i + 1].from) * Int128(e) : basis * Int128(D)
                let slice = upper - Int128(a.tiers[i].from) * Int128(e)
                out.append("    tier \(i + 1): s = \(Self.exact(slice, Int128(e), scale: unit)) at \(v(i))")
            }
        }
        var plain = a
        plain.cap = nil
        let uncapped = RebateFormula(plain, decimals: d)
        if let (n, den) = try? uncapped.evaluate(Int128.self, sums, gateMinimums: [], scaleUp: D, scaleDown: e) {
            out.append(
                "  R\(forecast ? "(k*B, k*Q, k*A, k*N)" : "") before gates and cap = \(Self.exact(n, den, scale: d)) \(currency)"
            )
        }
        return out + closing(formula, D: D, e: e)
    }

    /// Gates, the clamp to 0...cap, and the forecast's division by k.
    private func closing(_ formula: RebateFormula, D: Int64, e: Int64) -> [String] {
        let a = agreement
        var out: [String] = []
        let unmet = gates.indices.filter { g in gates[g].bought * Int128(D) < Int128(gates[g].minimum) * Int128(e) }
        if !unmet.isEmpty {
            out.append(
                "  gate\(unmet.count == 1 ? "" : "s") \(unmet.map { "\($0 + 1)" }.joined(separator: ", ")) not met\(D == e ? "" : " (judged on the sums times k)"): R = 0"
            )
        }
        let projected = formula.result(sums, gateMinimums: gates.map(\.minimum), scaleUp: D, scaleDown: e).projected
        if let cap = a.cap {
            out.append(
                "  clamped to 0...cap \(DecimalText.money(Int128(cap), decimals: decimals)): R = \(DecimalText.money(projected, decimals: decimals)) (rounded)"
            )
        } else {
            out.append("  clamped at 0: R = \(DecimalText.money(projected, decimals: decimals)) (rounded)")
        }
        if D != e {
            out.append("  accrued_to_date = R(k*B, k*Q, k*A, k*N) / k = R x \(e)/\(D), rounded once from the exact R")
        }
        return out
    }

    /// `n / den` (a value scaled by 10^`scale`) as a decimal of `scale` digits, exact when it terminates within
    /// four more digits, else cut there and marked with `...`.
    static func exact(_ n: Int128, _ den: Int128, scale: Int) -> String {
        let extra = 4
        let (m, overflow) = n.multipliedReportingOverflow(by: 10_000)
        guard !overflow, den != 0 else { return "(too large to show)" }
        let q = m / den
        let exactly = m % den == 0
        var text = DecimalText.plain(q, scale: scale + extra)
        if !exactly { text += "..." }
        return text
    }
}
