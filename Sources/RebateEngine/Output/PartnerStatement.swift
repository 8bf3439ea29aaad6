/// A partner-facing statement: where one beneficiary stands on each of its agreements.
public enum PartnerStatement {
    /// The statement page for `beneficiary` (a partner or group id), as self-contained HTML.
    ///
    /// For each agreement: the period, what was bought so far, the tier
    /// reached, the rebate earned to date, a progress bar to the next tier
    /// with what is still to buy, and the run-rate forecast for the period.
    /// A partner in a buying group also sees its group's agreements.
    /// - Returns: `nil` when the beneficiary has no statement rows (unknown, or no agreement started by the as-of date).
    public static func html(_ report: AccrualReport, loaded: LoadedDataset, beneficiary: String) -> String? {
        let partner = loaded.dataset.partners.first { $0.id == beneficiary }
        let group = partner?.groupID
        let rows = report.statements.filter {
            $0.beneficiary == beneficiary || ($0.beneficiary == group && group != nil)
        }
        guard !rows.isEmpty else { return nil }
        let d = report.decimals
        let cur = report.currency
        let agreements = Dictionary(uniqueKeysWithValues: loaded.dataset.agreements.agreements.map { ($0.id, $0) })
        let name = partner?.name ?? beneficiary
        var h =
            "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
        h +=
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>Rebate statement: \(HTMLText.escape(name))</title><style>\(HTMLText.style)</style></head><body>"
        h += "<h1>Rebate statement: \(HTMLText.escape(name))</h1>"
        var sub = "Beneficiary \(HTMLText.escape(beneficiary))"
        if let group {
            sub +=
                " · member of buying group \(HTMLText.escape(group)), whose agreements count every member's purchases"
        }
        sub +=
            " · figures as of \(report.asOf.map(\.description) ?? "the end of each period") · \(HTMLText.escape(cur))"
        h += "<p class=\"sub\">\(sub)</p>"
        let earned = rows.reduce(Int128(0)) { $0 + $1.earnedToDate }
        h +=
            "<div class=\"cards\"><div class=\"card\"><div class=\"k\">Rebate earned to date, current periods</div><div class=\"v\">\(HTMLText.money(earned, d, cur))</div></div>"
        h +=
            "<div class=\"card\"><div class=\"k\">Expected for these periods at the current pace</div><div class=\"v\">\(HTMLText.money(rows.reduce(0) { $0 + $1.forecastEarned }, d, cur))</div></div></div>"
        for r in rows {
            let a = agreements[r.agreementID]
            h +=
                "<h2>\(HTMLText.escape(r.agreementID)) <span class=\"note\">(\(Self.programName(r.program))\(r.beneficiary != beneficiary ? ", group \(HTMLText.escape(r.beneficiary))" : ""))</span></h2>"
            h += "<table><tbody>"
            h += "<tr><th>Period</th><td>\(r.periodStart) to \(r.periodEnd), figures on \(r.asOf)</td></tr>"
            h +=
                "<tr><th>Bought so far (\(r.basisKind.rawValue))</th><td class=\"n\">\(HTMLText.basis(r.basis, r.basisKind, d, cur))</td></tr>"
            h +=
                "<tr><th>Tier reached</th><td class=\"n\">\(r.tier == 0 ? "none yet" : "\(r.tier) of \(a?.tiers.count ?? r.tier)")</td></tr>"
            h += "<tr><th>Rebate earned to date</th><td class=\"n\">\(HTMLText.money(r.earnedToDate, d, cur))</td></tr>"
            if let next = r.nextTierFrom, let missing = r.toNextTier {
                let from = r.tier == 0 ? Int128(0) : Int128(a?.tiers[r.tier - 1].from ?? 0)
                let span = Int128(next) - from
                let done = span > 0 ? max(0, min(100, (r.basis - from) * 100 / span)) : 0
                h +=
                    "<tr><th>Next tier</th><td>tier \(r.tier + 1) from \(HTMLText.basis(Int128(next), r.basisKind, d, cur)): "
                h += "<strong>\(HTMLText.basis(missing, r.basisKind, d, cur)) still to buy</strong>"
                h +=
                    "<div class=\"bar\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"100\" aria-valuenow=\"\(done)\" title=\"\(done)% of the way from tier \(r.tier) to tier \(r.tier + 1)\"><span style=\"width:\(done)%\"></span></div></td></tr>"
            } else {
                h += "<tr><th>Next tier</th><td>the top tier is reached</td></tr>"
            }
            h +=
                "<tr><th>Expected for the period at the current pace</th><td class=\"n\">\(HTMLText.money(r.forecastEarned, d, cur))</td></tr>"
            h += "</tbody></table>"
        }
        h +=
            "<p class=\"note\">Rebates are computed exactly under the agreements' terms; the expected figure scales the period's purchases so far to the whole period.</p>"
        return h + "</body></html>\n"
    }

    static func programName(_ p: RebateProgram) -> String {
        switch p {
        case .volume: return "volume rebate"
        case .upsell: return "upselling rebate"
        case .logistics: return "logistics rebate"
        case .crossSell: return "cross-selling rebate"
        }
    }
}
