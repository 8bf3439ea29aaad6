/// `summary.json`: control totals that reconcile, and timings.
enum RunSummary {
    static func json(
        loaded: LoadedDataset, report: AccrualReport?, close: MonthEndClose? = nil, ledgerFile: String? = nil,
        options: AccrualOptions, maxRejects: Int,
        timings: [(stage: String, nanoseconds: UInt64)]
    ) -> [UInt8] {
        let t = loaded.totals
        let d = loaded.dataset.agreements.decimals
        let q = { (v: Int128) in "\"" + DecimalText.plain(v, scale: 3) + "\"" }
        let m = { (v: Int128) in "\"" + DecimalText.money(v, decimals: d) + "\"" }
        var lines: [String] = []
        lines.append("  \"status\": \"\(report == nil ? "too_many_rejects" : "ok")\",")
        lines.append("  \"currency\": \"\(jsonEscaped(loaded.dataset.agreements.currency))\",")
        lines.append("  \"decimals\": \(d),")
        lines.append("  \"as_of\": \(options.asOf.map { "\"\($0)\"" } ?? "null"),")
        lines.append("  \"max_rejects\": \(maxRejects),")
        lines.append("  \"partners\": \(loaded.dataset.partners.count),")
        lines.append("  \"products\": \(loaded.dataset.products.count),")
        lines.append("  \"agreements\": \(loaded.dataset.agreements.agreements.count),")
        lines.append("  \"transactions\": {")
        lines.append("    \"read_from\": \"\(loaded.transactionsFile)\",")
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
        if let r = report {
            lines.append(
                "  \"rows\": {\"accruals\": \(r.accruals.count), \"settlements\": \(r.settlements.count), \"statements\": \(r.statements.count), \"anomalies\": \(r.anomalies.count), \"rejects\": \(loaded.rejects.count)},"
            )
            lines.append("  \"total_accrued\": \(m(r.totalAccrued)),")
            lines.append("  \"total_settled\": \(m(r.totalSettled)),")
            lines.append("  \"total_earned_to_date\": \(m(r.statements.reduce(0) { $0 + $1.earnedToDate })),")
        } else {
            lines.append("  \"rows\": {\"rejects\": \(loaded.rejects.count)},")
        }
        if let close {
            let c = close.totals
            let paid = close.payments.filter { $0.amount > 0 }.reduce(Int128(0)) { $0 + $1.amount }
            let clawed = close.payments.filter { $0.amount < 0 }.reduce(Int128(0)) { $0 + $1.amount }
            lines.append("  \"close\": {")
            lines.append("    \"month\": \"\(close.month.monthText)\",")
            lines.append("    \"ledger_read\": \(ledgerFile.map { "\"" + jsonEscaped($0) + "\"" } ?? "null"),")
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
            lines.append("    \"reconciles\": \(c.reconciles)")
            lines.append("  },")
        }
        let warnings = loaded.dataset.agreements.warnings
        lines.append(
            "  \"warnings\": [" + warnings.map { "\"" + jsonEscaped($0.description) + "\"" }.joined(separator: ", ")
                + "],")
        let timingText = timings.map { "\"\($0.stage)\": \($0.nanoseconds / 1000)" }.joined(separator: ", ")
        lines.append("  \"timings_us\": {\(timingText)},")
        lines.append("  \"threads\": \(options.threads)")
        return Array(("{\n" + lines.joined(separator: "\n") + "\n}\n").utf8)
    }

    static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                        + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
