/// A partner-facing statement: where one beneficiary stands on each of its agreements.
public enum PartnerStatement {
    /// The statement page for `beneficiary` (a partner or group id), as self-contained HTML.
    ///
    /// For each agreement: the period, what was bought so far, the tier
    /// reached, each gate with its minimum and what is still missing, the rebate
    /// earned to date, a progress bar to the next tier with what is still to
    /// buy, and the run-rate forecast for the period.
    /// A partner in a buying group also sees its group's agreements.
    /// - Returns: `nil` when the beneficiary has no statement rows (unknown, or no agreement started by the as-of date).
    /// - Parameter claims: every claim received so far; an agreement paid on claim then lists what is
    ///   still claimable for each ended period (without it, everything earned is).
    public static func html(_ report: AccrualReport, loaded: LoadedDataset, beneficiary: String, claims: [Claim]? = nil)
        -> String?
    {
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
        let claimable = ClaimsOutcome.claimable(report, agreements: loaded.dataset.agreements, claims: claims)
        var h = HTMLText.head("Rebate statement: \(name)")
        h += "<h1>Rebate statement: \(HTMLText.escape(name))</h1>"
        var sub = "Beneficiary \(HTMLText.escape(beneficiary))"
        if let group {
            sub +=
                " · member of buying group \(HTMLText.escape(group)), whose agreements count every member's purchases"
        }
        sub +=
            " · figures as of \(report.asOf.map(\.description) ?? "the end of each period") · \(HTMLText.escape(cur))"
        h += "<p class=\"sub\">\(sub)</p>"
        let earned = rows.reduce(Money.zero) { $0 + $1.earnedToDate }
        h +=
            "<div class=\"cards\"><div class=\"card\"><div class=\"k\">Rebate earned to date, current periods</div><div class=\"v\">\(HTMLText.money(earned, d, cur))</div></div>"
        h +=
            "<div class=\"card\"><div class=\"k\">Expected for these periods at the current pace</div><div class=\"v\">\(HTMLText.money(rows.reduce(Money.zero) { $0 + $1.forecastEarned }, d, cur))</div></div></div>"
        for r in rows {
            let a = agreements[r.agreementID]
            h +=
                "<h2>\(HTMLText.escape(r.agreementID)) <span class=\"note\">(\(Self.programName(r.program))\(r.beneficiary != beneficiary ? ", group \(HTMLText.escape(r.beneficiary))" : ""))</span></h2>"
            h += "<table><tbody>"
            h += currentPeriodRows(r, agreement: a, decimals: d, currency: cur)
            h += "</tbody></table>"
            if a?.payment == .onClaim {
                let ended = report.settlements.filter { $0.agreementID == r.agreementID }
                h += "<h3>Paid on claim: still claimable</h3>"
                h += HTMLText.table(
                    ["Ended period", "Earned", "Still claimable"], numeric: [1, 2],
                    rows: ended.map { s in
                        let key = s.periodKey
                        return [
                            "\(s.periodStart) to \(s.periodEnd)", HTMLText.money(s.earned, d, cur),
                            HTMLText.money(claimable[key] ?? s.earned, d, cur),
                        ]
                    })
            }
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
