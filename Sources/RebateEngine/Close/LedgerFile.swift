/// Reads a ledger CSV (SPEC section 8): untrusted input, so every bad row is named at once.
public enum LedgerFile {
    /// The header of a ledger, as `rebate close` writes it.
    public static let header = "agreement_id,beneficiary,period_start,period_end,accrued,paid"
    static let columns = ["agreement_id", "beneficiary", "period_start", "period_end", "accrued", "paid"]

    /// Ledger rows as a ledger CSV (what `rebate close` writes as `ledger.csv`), money with `decimals` digits.
    public static func csv(_ rows: [LedgerRow], decimals: Int) -> [UInt8] {
        var w = CSVWriter(header: header, capacity: rows.count * 80)
        for r in rows {
            w.text(r.agreementID)
            w.text(r.beneficiary)
            w.date(r.periodStart)
            w.date(r.periodEnd)
            w.money(r.accrued, decimals: decimals)
            w.money(r.paid, decimals: decimals)
            w.endRow()
        }
        return w.bytes
    }

    /// Reads the ledger at `path`; money must be of the currency (at most `decimals` fraction digits).
    /// - Throws: ``RebateError/invalidInput(_:)`` listing every bad row (file, line, field, reason),
    ///   ``RebateError/io(path:reason:)`` when it cannot be read.
    public static func read(path: String, decimals: Int) throws(RebateError) -> [LedgerRow] {
        let file = try FileBytes(path: path)
        return try parse(file.buffer, fileName: path, decimals: decimals)
    }

    /// Parses ledger bytes; `fileName` is what problems are reported against.
    /// - Complexity: O(rows).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, fileName: String, decimals: Int) throws(RebateError)
        -> [LedgerRow]
    {
        var problems: [InputProblem] = []
        var rows: [LedgerRow] = []
        var seen: [LedgerRow.Key: Int] = [:]
        MasterCSV.read(bytes, fileName: fileName, required: columns, problems: &problems) { row in
            let id = row.identifier("agreement_id")
            let beneficiary = row.identifier("beneficiary")
            let start = date(row, "period_start")
            let end = date(row, "period_end")
            let accrued = money(row, "accrued", decimals: decimals)
            let paid = money(row, "paid", decimals: decimals)
            // The key is checked even when a value is bad, so a repeat is reported with the rest.
            if let id, let start, let end {
                if end < start {
                    row.fail("period_end", "\(end) is before period_start \(start)")
                    return
                }
                let key = LedgerRow.Key(agreementID: id, start: start.dayNumber, end: end.dayNumber)
                if let first = seen[key] {
                    row.fail("agreement_id", "agreement \"\(id)\" period \(start)..\(end) repeats line \(first)")
                    return
                }
                seen[key] = row.line
            }
            guard let id, let beneficiary, let start, let end, let accrued, let paid else { return }
            let r = LedgerRow(
                agreementID: id, beneficiary: beneficiary, periodStart: start, periodEnd: end,
                accrued: Money(minorUnits: accrued),
                paid: Money(minorUnits: paid))
            rows.append(r)
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return rows
    }

    static func date(_ row: MasterCSV.Row, _ column: String) -> CivilDate? {
        // Straight from the bytes: a claims file has three dates a row, a million rows.
        if let (b, start, end) = row.plainBytes(column), let d = CivilDate.parse(b[start..<end]) { return d }
        guard let text = row.text(column) else { return nil }
        guard let d = CivilDate(text) else {
            row.fail(column, "\"\(text)\" is not a date YYYY-MM-DD in 1900...2999")
            return nil
        }
        return d
    }

    static func money(_ row: MasterCSV.Row, _ column: String, decimals: Int) -> Int64? {
        if let (b, start, end) = row.plainBytes(column),
            case .success(let v) = DecimalText.parse(b, from: start, to: end, maxFraction: decimals, scale: decimals)
        {
            return v
        }
        guard let text = row.text(column) else { return nil }
        switch DecimalText.parse(text, maxFraction: decimals, scale: decimals) {
        case .success(let v): return v
        case .failure(.syntax): row.fail(column, "\"\(text)\" is not money (a plain decimal)")
        case .failure(.tooManyDecimals(let max)):
            row.fail(
                column,
                "\"\(text)\" has more than \(max) decimal place\(max == 1 ? "" : "s"): not money of this currency")
        case .failure(.tooLarge): row.fail(column, "\"\(text)\" is 10^12 or more in absolute value")
        }
        return nil
    }
}
