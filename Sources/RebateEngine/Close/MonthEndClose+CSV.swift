extension MonthEndClose {
    /// The header of `journal.csv`.
    public static let journalHeader = "date,agreement_id,beneficiary,period_start,period_end,entry,debit,credit,amount"
    /// The header of `payments.csv`.
    public static let paymentsHeader = "beneficiary,agreement_id,period_start,period_end,earned,paid_before,amount"

    /// `journal.csv`, bytes as written.
    public func journalCSV() -> [UInt8] {
        let d = report.decimals
        var w = CSVWriter(header: Self.journalHeader, capacity: journal.count * 110)
        for e in journal {
            w.date(e.date)
            w.text(e.agreementID)
            w.text(e.beneficiary)
            w.date(e.periodStart)
            w.date(e.periodEnd)
            w.text(e.kind.rawValue)
            w.text(e.debit)
            w.text(e.credit)
            w.money(e.amount, decimals: d)
            w.endRow()
        }
        return w.bytes
    }

    /// `payments.csv`, bytes as written.
    public func paymentsCSV() -> [UInt8] {
        let d = report.decimals
        var w = CSVWriter(header: Self.paymentsHeader, capacity: payments.count * 90)
        for p in payments {
            w.text(p.beneficiary)
            w.text(p.agreementID)
            w.date(p.periodStart)
            w.date(p.periodEnd)
            w.money(p.earned, decimals: d)
            w.money(p.paidBefore, decimals: d)
            w.money(p.amount, decimals: d)
            w.endRow()
        }
        return w.bytes
    }

    /// `ledger.csv`, bytes as written: the ledger to give the next close.
    public func ledgerCSV() -> [UInt8] {
        LedgerFile.csv(ledger, decimals: report.decimals)
    }
}
