extension Explanation {
    /// `B` in the basis's scaled units, for the arithmetic of the worked steps.
    private var basisValue: Int128 { basis.scaled }

    /// The explanation for an auditor, as plain text: the period, the sums, each tier and gate,
    /// the cap, the formula with the actual numbers, the posting, and the lines that weigh most.
    public var text: String {
        let a = agreement
        let d = decimals
        let money = { (v: Money) in v.text(decimals: d) }
        let basisText = { (v: Int128) in Volume(a.basis, scaled: v).text(decimals: d) }
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
        out.append("  Q (quantity) = \(quantity)")
        out.append("  A (amount)   = \(money(amount)) \(currency)")
        out.append("  N (pallets)  = \(pallets)")
        let letter = ["quantity": "Q", "amount": "A", "pallets": "N"][a.basis.rawValue]!
        out.append("  B = \(letter) = \(basisText(basisValue))")
        out.append("")
        if let g = growth {
            out += growthLines(g, formula)
            out.append("")
        }
        if growth == nil {
            out.append("Tiers (\(a.tiering.rawValue), \(a.valueKind.rawValue)):")
            for (i, t) in a.tiers.enumerated() {
                let reached = basisValue >= Int128(t.from)
                let state =
                    reached
                    ? (i + 1 == tier ? "reached, the highest" : "reached")
                    : "not reached, \(basisText(Int128(t.from) - basisValue)) missing"
                out.append("  tier \(i + 1) from \(basisText(Int128(t.from))): \(valueText(t.value)) -- \(state)")
            }
            out.append("  tier reached: \(tier)")
        }
        if !gates.isEmpty {
            out.append("Gates (each must be met, or the period earns nothing):")
            for (g, gate) in gates.enumerated() {
                let v = { (x: Volume) in x.text(decimals: d) + (x.kind == .amount ? " " + self.currency : "") }
                out.append(
                    "  gate \(g + 1): \(gate.measure.rawValue) of \(PartnerStatement.scopeText(gate.scope)) >= \(v(gate.minimum)): \(v(gate.bought)) -- \(gate.isMet ? "met" : "not met, \(v(gate.missing)) missing")"
                )
            }
        }
        out.append("Cap: \(a.cap.map { money(Money(minorUnits: $0)) + " " + currency + " per period" } ?? "none")")
        out.append("")
        out.append(
            "Formula (SPEC sections 4 and 5\(growth == nil ? "" : ", with growth as section 10 says")), exact; rounded once, half away from zero:"
        )
        out += growth.map { growthSteps($0, formula) } ?? steps(formula)
        out.append("  accrued_to_date = \(money(accruedToDate))")
        if month.monthIndex == periodStart.monthIndex {
            out.append("  posting = accrued_to_date (the period's first month) = \(money(posting))")
        } else {
            out.append(
                "  posting = accrued_to_date - previous month's \(money(previousAccrued)) = \(money(posting))")
        }
        out.append("")
        out.append("The \(lines.count) line\(lines.count == 1 ? " that weighs" : "s that weigh") most in B:")
        // A column for the invoicing currency only when some line shown was converted (SPEC section 11).
        let foreign = lines.contains { $0.invoicedIn != currency }
        let header =
            ["line_id", "date", "partner", "product", "quantity", "amount", "contribution"]
            + (foreign ? ["invoiced in"] : [])
        var rows = [header]
        for l in lines {
            rows.append(
                [
                    l.lineID, l.date.description, l.partner, l.product, l.quantity.description,
                    money(l.amount), l.contribution.text(decimals: d),
                ] + (foreign ? [l.invoicedIn] : []))
        }
        var widths = Array(repeating: 0, count: header.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        for r in rows {
            let cells = r.enumerated().map { i, c in
                i >= 4 && i <= 6
                    ? String(repeating: " ", count: widths[i] - c.count) + c
                    : i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count)
            }
            out.append("  " + cells.joined(separator: "  "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The baseline, the growth and the tiers on growth (SPEC section 10).
    private func growthLines(_ g: GrowthExplanation, _ formula: RebateFormula) -> [String] {
        let a = agreement
        let basisText = { (v: Int128) in Volume(a.basis, scaled: v).text(decimals: self.decimals) }
        let unit = a.basis == .amount ? decimals : 3
        var out: [String] = []
        switch g.rule.baseline {
        case .priorYear:
            if let days = g.priorDays {
                out.append(
                    "Baseline B0 (prior year): the basis of the \(g.priorLineCount) line\(g.priorLineCount == 1 ? "" : "s") dated \(days.lowerBound) to \(days.upperBound) = \(basisText(g.baselineNumerator))"
                )
            } else {
                out.append("Baseline B0 (prior year): no prior-year day before \(day) = 0")
            }
        case .fixed(let value):
            out.append(
                "Baseline B0 (fixed \(basisText(Int128(value))) per calendar period, pro rata by day): \(basisText(Int128(value))) x \(g.elapsedDays)/\(g.baselineDenominator) days = \(Self.exact(g.baselineNumerator, g.baselineDenominator, scale: unit))"
            )
        }
        if g.baselineNumerator < 0 { out.append("  B0 is below 0: it counts as 0") }
        let b0 = g.atDay.clamped
        switch g.rule.measure {
        case .percent:
            if let growth = g.figures.growth {
                let exact = Self.exact((basisValue * b0.denominator - b0.numerator) * 1_000_000, b0.numerator, scale: 4)
                out.append(
                    "Growth g = (B - B0) / B0 x 100 = \(exact)% (the growth column: \(growth.text(decimals: decimals))%)"
                )
            } else {
                out.append("Growth g = (B - B0) / B0 x 100: undefined, as B0 is 0; no growth tier is reached")
            }
        case .absolute:
            out.append(
                "Growth g = B - B0 = \(Self.exact(basisValue * b0.denominator - b0.numerator, b0.denominator, scale: unit))"
            )
        }
        out.append(
            "Pays: \(g.rule.pays == .total ? "the whole basis, once a growth tier is reached" : "only the increment over the baseline")"
        )
        out.append("")
        out.append("Tiers on growth (\(a.tiering.rawValue), \(a.valueKind.rawValue)):")
        for (i, t) in a.tiers.enumerated() {
            let from =
                g.rule.measure == .percent
                ? DecimalText.plain(Int128(t.from), scale: 4) + "%" : basisText(Int128(t.from))
            let state: String
            if i < tier {
                state = i + 1 == tier ? "reached, the highest" : "reached"
            } else if let missing = formula.basisToGrowthTier(
                t.from, basis: basisValue, baseline: g.atDay, growth: g.rule)
            {
                state = "not reached, \(basisText(max(missing, 0))) more basis to buy"
            } else {
                state = "not reached (no baseline)"
            }
            out.append("  tier \(i + 1) from growth of \(from): \(valueText(t.value)) -- \(state)")
        }
        out.append("  tier reached: \(tier)")
        return out
    }

    /// The worked steps of a growth agreement: R with the growth, the slices and the actual numbers.
    private func growthSteps(_ g: GrowthExplanation, _ formula: RebateFormula) -> [String] {
        let a = agreement
        let d = decimals
        let forecast = a.accrual == .forecast && daysElapsed != daysInPeriod
        let (D, e) = forecast ? (daysInPeriod, daysElapsed) : (1, 1)
        let b0 = (forecast ? g.atEnd : g.atDay).clamped
        let unit = a.basis == .amount ? d : 3
        let percent = g.rule.measure == .percent
        var out: [String] = []
        let kb = forecast ? "k*B" : "B"
        if forecast {
            out.append(
                "  forecast: k = D/e = \(D)/\(e); k*B = \(Self.exact(basisValue * Int128(D), Int128(e), scale: unit)) against B0 at the period's end = \(Self.exact(b0.numerator, b0.denominator, scale: unit))"
            )
        }
        // Growth and thresholds over one denominator, e*b0d (times 10^6 for percent), as the engine compares them.
        let million: Int128 = percent ? 1_000_000 : 1
        let growthE = (basisValue * Int128(D) * b0.denominator - b0.numerator * Int128(e)) * million
        let units = Int128(e) * b0.denominator * million
        let threshold = { (i: Int) -> Int128 in
            let f = Int128(a.tiers[i].from)
            return percent ? f * b0.numerator * Int128(e) : f * Int128(e) * b0.denominator
        }
        let reached = percent && b0.numerator == 0 ? nil : a.tiers.indices.last { growthE >= threshold($0) }
        guard let j = reached else {
            out.append("  no growth tier reached by \(kb) over B0: R = 0")
            return out + closing(formula, D: D, e: e)
        }
        let v = { (i: Int) in self.valueText(a.tiers[i].value) }
        let (xName, xScale, x) = scaledVolume
        let xv = forecast ? "k*\(xName)" : xName
        let xText =
            forecast ? Self.exact(x * Int128(D), Int128(e), scale: xScale) : DecimalText.plain(x, scale: xScale)
        switch (a.valueKind, a.tiering, g.rule.pays) {
        case (.fixed, .retroactive, _):
            out.append("  retroactive fixed: R = tier \(j + 1)'s fixed sum = \(v(j))")
        case (.fixed, .incremental, _):
            out.append(
                "  incremental fixed: R = the fixed sums of tiers 1 to \(j + 1): "
                    + (0...j).map(v).joined(separator: " + "))
        case (_, .retroactive, .total):
            out.append("  retroactive on the total: R = \(xv) x tier \(j + 1)'s value = \(xText) x \(v(j))")
        case (_, .retroactive, .increment):
            out.append(
                "  retroactive on the increment: R = \(xv) x tier \(j + 1)'s value x (\(kb) - B0) / \(kb) = \(xText) x \(v(j)) x \(Self.exact(growthE, units, scale: unit)) / \(Self.exact(basisValue * Int128(D), Int128(e), scale: unit))"
            )
        case (_, .incremental, _):
            out.append(
                "  incremental: R = sum over reached growth tiers of \(xv) x (u_i / \(kb)) x value_i, u_i the tier's slice of \(kb) - B0 in basis units:"
            )
            for i in 0...j {
                let upper = i < j ? threshold(i + 1) : growthE
                out.append(
                    "    tier \(i + 1): u = \(Self.exact(upper - threshold(i), units, scale: unit)) at \(v(i))")
            }
        }
        var plain = a
        plain.cap = nil
        let uncapped = RebateFormula(plain, decimals: d)
        if let (n, den) = try? uncapped.evaluateGrowth(
            Int128.self, sums, baseline: b0, growth: g.rule, gateMinimums: [], scaleUp: D, scaleDown: e)
        {
            out.append("  R before gates and cap = \(Self.exact(n, den, scale: d)) \(currency)")
        }
        return out + closing(formula, D: D, e: e)
    }

    /// The volume R scales, what the tier value multiplies: its letter, its scale and its value
    /// (amount for percent, quantity per unit, pallets per pallet; nothing for a fixed sum).
    private var scaledVolume: (name: String, scale: Int, value: Int128) {
        switch agreement.valueKind {
        case .percent: return ("A", decimals, amount.minorUnits)
        case .perUnit: return ("Q", 3, quantity.milliUnits)
        case .perPallet: return ("N", 0, pallets)
        case .fixed: return ("", 0, 0)
        }
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
        let (xName, xScale, x) = scaledVolume
        let scaled = { (v: Int128, scale: Int) in Self.exact(v * Int128(D), Int128(e), scale: scale) }
        if forecast {
            out.append(
                "  forecast: R is evaluated on k*B = \(scaled(basisValue, a.basis == .amount ? d : 3)), k*\(xName.isEmpty ? "B" : xName) = \(xName.isEmpty ? scaled(basisValue, a.basis == .amount ? d : 3) : scaled(x, xScale))\(k)"
            )
        }
        let kb = forecast ? "k*B" : "B"
        let reached = (0..<a.tiers.count).last { i in basisValue * Int128(D) >= Int128(a.tiers[i].from) * Int128(e) }
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
                let upper = i < j ? Int128(a.tiers[i + 1].from) * Int128(e) : basisValue * Int128(D)
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
        // Gate minimums are inputs (Int64 by construction).
        let gateMinimums = gates.map { Int64($0.minimum.scaled) }
        var out: [String] = []
        let unmet = gates.indices.filter { g in gates[g].bought.scaled * Int128(D) < gates[g].minimum.scaled * Int128(e)
        }
        if !unmet.isEmpty {
            out.append(
                "  gate\(unmet.count == 1 ? "" : "s") \(unmet.map { "\($0 + 1)" }.joined(separator: ", ")) not met\(D == e ? "" : " (judged on the sums times k)"): R = 0"
            )
        }
        let projected =
            growth.map { g in
                formula.result(
                    sums, baseline: D == e ? g.atDay : g.atEnd, growth: g.rule, gateMinimums: gateMinimums,
                    scaleUp: D, scaleDown: e
                ).projected
            } ?? formula.result(sums, gateMinimums: gateMinimums, scaleUp: D, scaleDown: e).projected
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
