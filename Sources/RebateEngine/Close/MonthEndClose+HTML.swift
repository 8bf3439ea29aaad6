extension MonthEndClose {
    /// The close's part of `report.html`: the journal by entry and account (debits = credits), the
    /// reconciliation of the ledger, the biggest true-ups and what drove them, payments and clawbacks.
    // One piece: the close section of the page, top to bottom.
    func htmlSection() -> String {
        let d = report.decimals
        let cur = report.currency
        let money = { (v: Money) in HTMLText.money(v, d, cur) }
        let e = HTMLText.escape
        var h = "<h2>Month-end close \(month.monthText): what to book</h2>"
        let paid = payments.filter { $0.amount > .zero }.reduce(Money.zero) { $0 + $1.amount }
        let clawed = payments.filter { $0.amount < .zero }.reduce(Money.zero) { $0 + $1.amount }
        h += "<div class=\"cards\">"
        h += HTMLText.card("Journal entries", HTMLText.grouped(String(journal.count)))
        h += HTMLText.card("Debits = credits", money(totals.debits))
        h += HTMLText.card("Net accrual booked", money(totals.accrualEntries))
        h += HTMLText.card("To pay", money(paid))
        h += HTMLText.card("To claw back", "<span class=\"\(clawed < .zero ? "warn" : "")\">\(money(-clawed))</span>")
        h += "</div>"

        // Totals by entry and account: each account's debits and credits; the last row shows they balance.
        struct Line: Hashable {
            let kind: String
            let account: String
        }
        var sums: [Line: (debit: Money, credit: Money)] = [:]
        for j in journal {
            sums[Line(kind: j.kind.rawValue, account: j.debit), default: (.zero, .zero)].debit += j.amount
            sums[Line(kind: j.kind.rawValue, account: j.credit), default: (.zero, .zero)].credit += j.amount
        }
        var rows = sums.keys.sorted { ($0.kind, $0.account) < ($1.kind, $1.account) }.map { k in
            [e(k.kind), e(k.account), money(sums[k]!.debit), money(sums[k]!.credit)]
        }
        rows.append(["<b>total</b>", "", "<b>\(money(totals.debits))</b>", "<b>\(money(totals.credits))</b>"])
        h += "<h3>Journal by entry and account</h3>"
        h += HTMLText.table(["Entry", "Account", "Debit", "Credit"], numeric: [2, 3], rows: rows)
        h +=
            "<p class=\"note\">Ledger accrued \(money(totals.accruedBefore)) + accrual entries \(money(totals.accrualEntries)) = \(money(totals.accruedAfter)); paid \(money(totals.paidBefore)) + settlement entries \(money(totals.settlementEntries)) = \(money(totals.paidAfter)). The new ledger is ledger.csv: give it to the next close.</p>"

        // The biggest movements and what drove them.
        let biggest = journal.sorted { ($0.amount, $1.agreementID) > ($1.amount, $0.agreementID) }.prefix(15)
        h += "<h3>Biggest entries and what drove them</h3>"
        if biggest.isEmpty {
            h += "<p class=\"note\">Nothing to book: the books already hold what the lines say.</p>"
        } else {
            h += HTMLText.table(
                ["Agreement", "Beneficiary", "Period", "Entry", "Driver", "Debit", "Credit", "Amount"], numeric: [7],
                rows: biggest.map {
                    [
                        e($0.agreementID), e($0.beneficiary), "\($0.periodStart) – \($0.periodEnd)", $0.kind.rawValue,
                        e($0.driver.rawValue), e($0.debit), e($0.credit), money($0.amount),
                    ]
                })
            // Amounts, not signed changes: the direction is in the accounts (and a merged journal has no sign).
            var byDriver: [TrueUpDriver: (count: Int, amount: Money)] = [:]
            for j in journal {
                let sum = byDriver[j.driver, default: (0, .zero)]
                byDriver[j.driver] = (sum.count + 1, sum.amount + j.amount)
            }
            let drivers = byDriver.keys.sorted { $0.rawValue < $1.rawValue }.map {
                let n = byDriver[$0]!.count
                return "\(e($0.rawValue)): \(n) \(n == 1 ? "entry" : "entries") of \(money(byDriver[$0]!.amount))"
            }
            h +=
                "<p class=\"note\">\(drivers.joined(separator: " · ")). A closed period changed when late lines or credit notes arrived for it, or its agreement was edited; a reversal takes back a ledger row whose agreement or period no longer exists.</p>"
        }

        h += "<h3>Payments and clawbacks (\(payments.count))</h3>"
        if payments.isEmpty {
            h += "<p class=\"note\">No settlement changed this month.</p>"
        } else {
            h += HTMLText.table(
                ["Beneficiary", "Agreement", "Period", "Earned", "Paid before", "Amount"], numeric: [3, 4, 5],
                rows: payments.prefix(100).map {
                    [
                        e($0.beneficiary), e($0.agreementID), "\($0.periodStart) – \($0.periodEnd)", money($0.earned),
                        money($0.paidBefore),
                        $0.amount < .zero ? "<span class=\"warn\">\(money($0.amount))</span>" : money($0.amount),
                    ]
                })
            if payments.count > 100 { h += "<p class=\"note\">… and \(payments.count - 100) more in payments.csv.</p>" }
        }
        return h
    }
}
