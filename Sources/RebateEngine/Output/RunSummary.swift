/// `summary.json`: control totals that reconcile, and timings.
enum RunSummary {
    // One piece: summary.json written top to bottom, one line a member.
    static func json(
        loaded: LoadedDataset, report: AccrualReport?, close: MonthEndClose? = nil, ledgerFile: String? = nil,
        options: AccrualOptions, maxRejects: Int,
        timings: [(stage: String, nanoseconds: UInt64)]
    ) -> [UInt8] {
        json(
            context: RunContext(loaded), report: report, close: close, ledgerFile: ledgerFile, asOf: options.asOf,
            threads: options.threads, maxRejects: maxRejects, timings: timings)
    }

    static func json(
        context: RunContext, report: AccrualReport?, close: MonthEndClose?, ledgerFile: String?, asOf: CivilDate?,
        threads: Int, maxRejects: Int, timings: [(stage: String, nanoseconds: UInt64)], extra: [String] = []
    ) -> [UInt8] {
        let t = context.totals
        let d = context.decimals
        let q = { (v: Quantity) in "\"" + v.description + "\"" }
        let m = { (v: Money) in "\"" + v.text(decimals: d) + "\"" }
        var lines: [String] = []
        lines.append("  \"status\": \"\(report == nil ? "too_many_rejects" : "ok")\",")
        lines.append("  \"currency\": \"\(JSONText.escaped(context.currency))\",")
        lines.append("  \"decimals\": \(d),")
        lines.append("  \"as_of\": \(asOf.map { "\"\($0)\"" } ?? "null"),")
        lines.append("  \"max_rejects\": \(maxRejects),")
        lines.append("  \"partners\": \(context.partnerCount),")
        lines.append("  \"products\": \(context.productCount),")
        lines.append("  \"agreements\": \(context.agreementCount),")
        lines.append("  \"transactions\": {")
        lines.append("    \"read_from\": \"\(JSONText.escaped(context.transactionsFile))\",")
        lines.append("    \"lines_read\": \(t.linesRead),")
        lines.append("    \"lines_accepted\": \(t.linesAccepted),")
        lines.append("    \"lines_rejected\": \(t.linesRejected),")
        lines.append("    \"lines_reconcile\": \(t.linesRead == t.linesAccepted + t.linesRejected),")
        lines.append("    \"quantity_accepted\": \(q(t.acceptedQuantity)),")
        lines.append("    \"amount_accepted\": \(m(t.acceptedAmount)),")
        lines.append("    \"quantity_rejected\": \(q(t.rejectedQuantity)),")
        lines.append("    \"amount_rejected\": \(m(t.rejectedAmount)),")
        lines.append("    \"quantity_read\": \(q(t.acceptedQuantity + t.rejectedQuantity)),")
        lines.append("    \"amount_read\": \(m(t.acceptedAmount + t.rejectedAmount)),")
        lines.append("    \"rejected_lines_with_unreadable_numbers\": \(t.rejectedUnreadable),")
        lines.append("    \"lines_after_as_of\": \(report?.linesAfterAsOf ?? 0)")
        lines.append("  },")
        if !t.foreign.isEmpty {
            // SPEC section 11: per currency lines were accepted in, the lines, their amounts as written and
            // in book money; the book currency's own are what the foreign ones leave of the totals.
            let (bookLines, bookAmount) = (t.bookCurrencyLines, t.bookCurrencyAmount)
            var rows: [(String, String)] = []
            if bookLines > 0 {
                rows.append(
                    (
                        context.currency,
                        "{\"lines\": \(bookLines), \"amount\": \(m(bookAmount)), \"book_amount\": \(m(bookAmount))}"
                    ))
            }
            for f in t.foreign {
                let written = "\"" + f.amount.text(decimals: f.decimals) + "\""
                rows.append(
                    (f.code, "{\"lines\": \(f.lines), \"amount\": \(written), \"book_amount\": \(m(f.bookAmount))}"))
            }
            rows.sort { Bytewise.less($0.0, $1.0) }
            lines.append(
                "  \"currencies\": {" + rows.map { "\"\(JSONText.escaped($0.0))\": \($0.1)" }.joined(separator: ", ")
                    + "},")
        }
        if let r = report {
            lines.append(
                "  \"rows\": {\"accruals\": \(r.accruals.count), \"settlements\": \(r.settlements.count), \"statements\": \(r.statements.count), \"anomalies\": \(r.anomalies.count), \"rejects\": \(context.rejects.count)},"
            )
            lines.append("  \"total_accrued\": \(m(r.totalAccrued)),")
            lines.append("  \"total_settled\": \(m(r.totalSettled)),")
            lines.append("  \"total_earned_to_date\": \(m(r.statements.reduce(.zero) { $0 + $1.earnedToDate })),")
            // How each growth agreement with a statement measures growth (SPEC section 10): the CSVs'
            // `growth` column does not say, and `rebate merge` needs it for the merged report.html.
            let growth = r.statements.compactMap { s in s.growth.map { (s.agreementID, $0.measure.rawValue) } }
                .sorted { Bytewise.less($0.0, $1.0) }
            if !growth.isEmpty {
                lines.append(
                    "  \"growth_measures\": {"
                        + growth.map { "\"\(JSONText.escaped($0.0))\": \"\($0.1)\"" }.joined(separator: ", ") + "},")
            }
        } else {
            lines.append("  \"rows\": {\"rejects\": \(context.rejects.count)},")
        }
        if let close {
            let c = close.totals
            let paid = close.payments.filter { $0.amount > .zero }.reduce(Money.zero) { $0 + $1.amount }
            let clawed = close.payments.filter { $0.amount < .zero }.reduce(Money.zero) { $0 + $1.amount }
            lines.append("  \"close\": {")
            lines.append("    \"month\": \"\(close.month.monthText)\",")
            lines.append("    \"ledger_read\": \(ledgerFile.map { JSONText.string($0) } ?? "null"),")
            lines.append(
                "    \"ledger_before\": {\"rows\": \(c.rowsBefore), \"accrued\": \(m(c.accruedBefore)), \"paid\": \(m(c.paidBefore))},"
            )
            lines.append(
                "    \"journal\": {\"rows\": \(close.journal.count), \"accrual\": \(m(c.accrualEntries)), \"settlement\": \(m(c.settlementEntries)), \"debits\": \(m(c.debits)), \"credits\": \(m(c.credits))},"
            )
            lines.append(
                "    \"ledger_after\": {\"rows\": \(c.rowsAfter), \"accrued\": \(m(c.accruedAfter)), \"paid\": \(m(c.paidAfter))},"
            )
            lines.append(
                "    \"payments\": {\"rows\": \(close.payments.count), \"paid\": \(m(paid)), \"clawed_back\": \(m(-clawed))},"
            )
            if let claims = close.claims {
                let byStatus = ClaimStatus.allCases.map { status in
                    let t = claims.totals(status)
                    return
                        "\"\(status.rawValue)\": {\"count\": \(t.count), \"claimed\": \(m(t.claimed)), \"approved\": \(m(t.approved))}"
                }
                lines.append(
                    "    \"claims\": {\"received\": \(claims.decisions.count), \"not_yet_received\": \(claims.notYetReceived), "
                        + byStatus.joined(separator: ", ") + "},")
            }
            lines.append("    \"reconciles\": \(c.reconciles)")
            lines.append("  },")
        }
        if let shard = context.shard { lines.append("  \"shard\": \(shard.json),") }
        lines += extra
        lines.append(
            "  \"warnings\": [" + context.warnings.map { JSONText.string($0) }.joined(separator: ", ") + "],")
        let timingText = timings.map { "\"\($0.stage)\": \($0.nanoseconds / 1000)" }.joined(separator: ", ")
        lines.append("  \"timings_us\": {\(timingText)},")
        lines.append("  \"threads\": \(threads)")
        return Array(("{\n" + lines.joined(separator: "\n") + "\n}\n").utf8)
    }
}
