extension PartnerPortal {
    private var asOfText: String { asOf.map(\.description) ?? "the end of each period" }

    /// `index.html`: every beneficiary with its name, id, earned this period and open liability.
    ///
    /// The filter box is hidden until its script runs, so a host that forbids scripts shows the plain list.
    public func indexHTML() -> String {
        let d = decimals
        var h = HTMLText.head(
            "Rebate portal", extraStyle: "input[type=search]{font-size:1rem;padding:.4rem;width:22rem;max-width:100%}")
        h +=
            "<h1>Rebate portal</h1><p class=\"sub\">\(entries.count) beneficiaries · figures as of \(asOfText) · \(HTMLText.escape(currency))"
        h += hasLedger ? " · payments from the ledger" : " · no ledger given: nothing counts as paid"
        h += "</p>"
        h +=
            "<p><input id=\"filter\" type=\"search\" placeholder=\"Filter by name or id\" aria-label=\"Filter by name or id\" hidden=\"hidden\"/></p>"
        var rows: [[String]] = []
        for e in entries {
            let key = HTMLText.escape((e.name + " " + e.id).lowercased())
            rows.append([
                "<a href=\"\(HTMLText.escape(e.page))\" data-key=\"\(key)\">\(HTMLText.escape(e.name))</a>",
                HTMLText.escape(e.id), e.isGroup ? "buying group (\(e.members.count) members)" : "partner",
                "\(e.agreementIDs.count)", HTMLText.money(e.earnedThisPeriod, d, currency),
                HTMLText.money(e.openLiability, d, currency),
            ])
        }
        h += HTMLText.table(
            ["Beneficiary", "Id", "Kind", "Agreements", "Earned this period", "Open liability"], numeric: [3, 4, 5],
            rows: rows)
        h +=
            "<p class=\"note\">Open liability: what each started period should hold in the books (earned for periods that ended, "
        h += "the accrual to date for the current one) less what the ledger says was paid.</p>"
        // No `<` or `&` in the script: the page stays well-formed XML.
        h += """
            <script>
            var f=document.getElementById('filter');f.hidden=false;
            f.addEventListener('input',function(){var q=f.value.toLowerCase();
            document.querySelectorAll('tbody tr').forEach(function(r){var k=r.querySelector('a').getAttribute('data-key');
            r.hidden=q===''?false:k.indexOf(q)===-1;});});
            </script>
            """
        return h + "</body></html>\n"
    }

    /// One beneficiary's page: per agreement the current period (tier, gates, next tier, forecast)
    /// and the history of settled periods, with payments and clawbacks when a ledger was given.
    public func page(_ e: Entry) -> String {
        let d = decimals
        let cur = currency
        var h = HTMLText.head("Rebates: \(e.name)")
        h += "<p class=\"note\"><a href=\"../index.html\">All beneficiaries</a></p>"
        h += "<h1>\(HTMLText.escape(e.name))</h1>"
        var sub = "\(e.isGroup ? "Buying group" : "Partner") \(HTMLText.escape(e.id))"
        if let g = e.group {
            let groupPage = Self.pageName(id: g, isGroup: true)
            let linked = entries.contains { $0.isGroup && $0.id == g }
            sub += " · member of buying group "
            sub += linked ? "<a href=\"\(HTMLText.escape(groupPage))\">\(HTMLText.escape(g))</a>" : HTMLText.escape(g)
        }
        h += "<p class=\"sub\">\(sub) · figures as of \(asOfText) · \(HTMLText.escape(cur))</p>"
        h += "<div class=\"cards\">"
        h += HTMLText.card("Earned to date, current periods", HTMLText.money(e.earnedThisPeriod, d, cur))
        let forecast = e.agreementIDs.reduce(Money.zero) { $0 + (statements[$1]?.forecastEarned ?? .zero) }
        h += HTMLText.card("Expected for these periods at the current pace", HTMLText.money(forecast, d, cur))
        h += HTMLText.card(
            hasLedger ? "Open liability (accrued, not yet paid)" : "Accrued (no ledger: nothing paid)",
            HTMLText.money(e.openLiability, d, cur))
        h += "</div>"
        if e.isGroup {
            let names = e.members.map { HTMLText.escape($0) + " " + HTMLText.escape(partnerNames[$0] ?? "") }
            h +=
                "<p>Members (\(e.members.count)), whose purchases all count: \(names.isEmpty ? "none" : names.joined(separator: ", "))</p>"
        }
        for id in e.agreementIDs {
            let a = agreements[id]
            h += "<h2>\(HTMLText.escape(id))"
            if let a { h += " <span class=\"note\">(\(PartnerStatement.programName(a.program)))</span>" }
            h += "</h2>"
            if let s = statements[id] {
                h += "<table><tbody>" + PartnerStatement.currentPeriodRows(s, agreement: a, decimals: d, currency: cur)
                h += "</tbody></table>"
            } else if let a {
                h += "<p>Starts on \(a.start): no period has started by \(asOfText).</p>"
            }
            let history = settled[id] ?? []
            guard !history.isEmpty else { continue }
            h += "<h3>Settled periods</h3>"
            var header = ["Period", "Bought", "Tier", "Earned"]
            if hasLedger { header += ["Paid", "Still to pay", "Clawback"] }
            // An agreement paid on claim: what the beneficiary can still claim for each ended period.
            let claimable = history.contains { $0.claimable != nil }
            if claimable { header.append("Still claimable") }
            var rows: [[String]] = []
            for p in history {
                let r = p.row
                var row = [
                    "\(r.periodStart) to \(r.periodEnd)", HTMLText.basis(r.basis, d, cur), "\(r.tier)",
                    HTMLText.money(r.earned, d, cur),
                ]
                if let paid = p.paid {
                    let due = r.earned - paid
                    row += [
                        HTMLText.money(paid, d, cur), due > .zero ? HTMLText.money(due, d, cur) : "",
                        due < .zero ? "<span class=\"warn\">\(HTMLText.money(-due, d, cur))</span>" : "",
                    ]
                }
                if claimable { row.append(p.claimable.map { HTMLText.money($0, d, cur) } ?? "") }
                rows.append(row)
            }
            h += HTMLText.table(header, numeric: Set(1..<header.count), rows: rows)
        }
        h +=
            "<p class=\"note\">Rebates are computed exactly under the agreements' terms; the expected figure scales the period's purchases so far to the whole period.</p>"
        return h + "</body></html>\n"
    }
}
