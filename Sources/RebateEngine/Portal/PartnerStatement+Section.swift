extension PartnerStatement {
    /// The table rows that say where one agreement's current period stands, shared by the
    /// statement page and the portal: period, bought so far, tier, each gate, earned, next tier, forecast.
    static func currentPeriodRows(_ r: StatementRow, agreement a: Agreement?, decimals d: Int, currency cur: String)
        -> String
    {
        var h = "<tr><th>Period</th><td>\(r.periodStart) to \(r.periodEnd), figures on \(r.asOf)</td></tr>"
        h +=
            "<tr><th>Bought so far (\(r.basis.kind.rawValue))</th><td class=\"n\">\(HTMLText.basis(r.basis, d, cur))</td></tr>"
        h +=
            "<tr><th>Tier reached</th><td class=\"n\">\(r.tier == 0 ? "none yet" : "\(r.tier) of \(a?.tiers.count ?? r.tier)")</td></tr>"
        for (g, gate) in r.gates.enumerated() {
            h += "<tr><th>Condition \(g + 1)\(r.gates.count == 1 ? "" : " of \(r.gates.count)")</th><td>"
            h += gateText(gate, decimals: d, currency: cur)
            h += "</td></tr>"
        }
        h += "<tr><th>Rebate earned to date</th><td class=\"n\">\(HTMLText.money(r.earnedToDate, d, cur))"
        if r.isHeldByGate {
            h += "<div class=\"warn\">held back: tier \(r.tier) is reached, but a condition above is not met yet</div>"
        }
        h += "</td></tr>"
        if let g = r.growth {
            // A growth agreement: its tiers measure growth over the baseline, so say both, and the next
            // tier as growth and as basis still to buy.
            let growthText = { (f: TierFigure) in HTMLText.figure(f, d, cur) }
            h +=
                "<tr><th>Baseline so far</th><td class=\"n\">\(HTMLText.basis(g.baseline, d, cur))</td></tr>"
            h +=
                "<tr><th>Growth so far</th><td class=\"n\">\(g.growth.map(growthText) ?? "not measurable yet: no baseline")</td></tr>"
            if let next = r.nextTierFrom {
                h += "<tr><th>Next tier</th><td>tier \(r.tier + 1) from growth of \(growthText(next))"
                if let missing = r.toNextTier {
                    h += ": <strong>\(HTMLText.basis(missing, d, cur)) still to buy</strong>"
                }
                h += "</td></tr>"
            } else {
                h += "<tr><th>Next tier</th><td>the top tier is reached</td></tr>"
            }
        } else if let next = r.nextTierFrom, let missing = r.toNextTier {
            let from = r.tier == 0 ? Int128(0) : Int128(a?.tiers[r.tier - 1].from ?? 0)
            let nextFrom: Int128
            if case .volume(let v) = next { nextFrom = v.scaled } else { nextFrom = from }
            let span = nextFrom - from
            let done = span > 0 ? max(0, min(100, (r.basis.scaled - from) * 100 / span)) : 0
            h +=
                "<tr><th>Next tier</th><td>tier \(r.tier + 1) from \(HTMLText.figure(next, d, cur)): "
            h += "<strong>\(HTMLText.basis(missing, d, cur)) still to buy</strong>"
            h += progressBar(done, title: "\(done)% of the way from tier \(r.tier) to tier \(r.tier + 1)")
            h += "</td></tr>"
        } else {
            h += "<tr><th>Next tier</th><td>the top tier is reached</td></tr>"
        }
        h +=
            "<tr><th>Expected for the period at the current pace</th><td class=\"n\">\(HTMLText.money(r.forecastEarned, d, cur))</td></tr>"
        return h
    }

    /// One gate for people: its scope, minimum, what is bought, and what is missing or that it is met.
    static func gateText(_ g: GateProgress, decimals d: Int, currency cur: String) -> String {
        let value = { (v: Volume) in HTMLText.basis(v, d, cur) }
        var h = "at least \(value(g.minimum)) of \(HTMLText.escape(scopeText(g.scope))) "
        h += "(\(g.measure == .amount ? "amount" : "quantity")) in the period: \(value(g.bought)) bought, "
        if g.isMet {
            h += "<strong>met</strong>"
        } else {
            h += "<strong class=\"warn\">\(value(g.missing)) still missing</strong>"
        }
        let done = g.minimum.scaled > 0 ? max(0, min(100, g.bought.scaled * 100 / g.minimum.scaled)) : 100
        return h + progressBar(done, title: "\(done)% of the condition's minimum")
    }

    /// A product scope as words: `categories C03, C04; products P9`.
    static func scopeText(_ s: ProductScope) -> String {
        var parts: [String] = []
        if !s.categories.isEmpty {
            parts.append((s.categories.count == 1 ? "category " : "categories ") + s.categories.joined(separator: ", "))
        }
        if !s.products.isEmpty {
            parts.append((s.products.count == 1 ? "product " : "products ") + s.products.joined(separator: ", "))
        }
        return parts.isEmpty ? "no product" : parts.joined(separator: "; ")
    }

    /// A progress bar that reads without styles or scripts (its title and ARIA value carry the figure).
    static func progressBar(_ percent: Int128, title: String) -> String {
        "<div class=\"bar\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"100\" aria-valuenow=\"\(percent)\" title=\"\(HTMLText.escape(title))\"><span style=\"width:\(percent)%\"></span></div>"
    }
}
