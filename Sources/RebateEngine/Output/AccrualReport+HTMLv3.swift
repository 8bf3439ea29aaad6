/// The parts of `report.html` for the v3 features: growth agreements, lines in other currencies and claims.
extension AccrualReport {
    /// Growth agreements with their baseline, growth and tier; the currencies lines came in; and, for a
    /// close with claims, the claims by status, the biggest over-claims and who had most claims rejected.
    /// Each table appears only when there is something to show.
    func v3Sections(_ loaded: RunContext, claims: ClaimsOutcome?) -> String {
        let d = decimals
        let cur = currency
        let money = { (v: Money) in HTMLText.money(v, d, cur) }
        var h = ""
        let growth = statements.filter { $0.growth != nil }
        if !growth.isEmpty {
            h += "<h2>Growth agreements (\(growth.count))</h2>"
            h +=
                "<p class=\"note\">The current period of each agreement paid on growth: the baseline (last year's basis, or a fixed one, to the day), the growth over it, and the tier it reaches.</p>"
            h += HTMLText.table(
                ["Agreement", "Beneficiary", "Period", "Basis", "Baseline", "Growth", "Tier", "Earned to date"],
                numeric: [3, 4, 5, 6, 7],
                rows: growth.prefix(200).map { s in
                    let g = s.growth!
                    let growthText = g.growth.map { HTMLText.figure($0, d, cur) } ?? "undefined (no baseline)"
                    return [
                        HTMLText.escape(s.agreementID), HTMLText.escape(s.beneficiary),
                        "\(s.periodStart) – \(s.periodEnd)", HTMLText.basis(s.basis, d, cur),
                        HTMLText.basis(g.baseline, d, cur), growthText, String(s.tier),
                        money(s.earnedToDate),
                    ]
                })
        }
        let foreign = loaded.totals.foreign
        if !foreign.isEmpty {
            let (bookLines, bookAmount) = (loaded.totals.bookCurrencyLines, loaded.totals.bookCurrencyAmount)
            h += "<h2>Currencies</h2>"
            h +=
                "<p class=\"note\">Accepted lines by the currency they were invoiced in; each foreign line was converted once, at the rate of its date (or its own), rounded half away from zero.</p>"
            h += HTMLText.table(
                ["Currency", "Lines", "Amount as invoiced", "In \(cur)"], numeric: [1, 2, 3],
                rows: [
                    [HTMLText.escape(cur), HTMLText.grouped(String(bookLines)), money(bookAmount), money(bookAmount)]
                ]
                    + foreign.map {
                        [
                            HTMLText.escape($0.code), HTMLText.grouped(String($0.lines)),
                            HTMLText.money($0.amount, $0.decimals, $0.code), money($0.bookAmount),
                        ]
                    })
        }
        if let claims {
            h += "<h2>Claims (\(claims.decisions.count) received)</h2>"
            h += HTMLText.table(
                ["Status", "Claims", "Claimed", "Approved"], numeric: [1, 2, 3],
                rows: ClaimStatus.allCases.map {
                    let t = claims.totals($0)
                    return [$0.rawValue, HTMLText.grouped(String(t.count)), money(t.claimed), money(t.approved)]
                })
            let over = claims.overClaims
            if !over.isEmpty {
                h += "<h2>Biggest over-claims</h2>"
                h += HTMLText.table(
                    ["Agreement", "Beneficiary", "Period", "Claimed and earned"], numeric: [],
                    rows: over.prefix(15).map {
                        [
                            HTMLText.escape($0.agreementID), HTMLText.escape($0.beneficiary),
                            "\($0.periodStart) – \($0.periodEnd)", HTMLText.escape($0.detail),
                        ]
                    })
            }
            var rejectedBy: [String: Int] = [:]
            for c in claims.decisions where c.status == .rejected { rejectedBy[c.claim.beneficiary, default: 0] += 1 }
            if !rejectedBy.isEmpty {
                h += "<h2>Beneficiaries with the most rejected claims</h2>"
                h += HTMLText.table(
                    ["Beneficiary", "Rejected claims"], numeric: [1],
                    rows: rejectedBy.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(15).map {
                        [HTMLText.escape($0.key), HTMLText.grouped(String($0.value))]
                    })
            }
        }
        return h
    }
}
