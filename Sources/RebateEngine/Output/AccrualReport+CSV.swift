extension AccrualReport {
    /// The header of `accruals.csv`.
    public static let accrualsHeader =
        "agreement_id,program,beneficiary,period_start,period_end,month,quantity,amount,pallets,basis,tier,accrued_to_date,posting,baseline,growth"
    /// The header of `settlements.csv`.
    public static let settlementsHeader =
        "agreement_id,program,beneficiary,period_start,period_end,quantity,amount,pallets,basis,tier,earned,baseline,growth"
    /// The header of `statements.csv`.
    public static let statementsHeader =
        "beneficiary,agreement_id,program,period_start,period_end,as_of,basis,tier,earned_to_date,next_tier_from,to_next_tier,forecast_earned,baseline,growth"
    /// The header of `anomalies.csv`.
    public static let anomaliesHeader = "kind,agreement_id,beneficiary,period_start,period_end,detail"
    /// The header of `rejects.csv`.
    public static let rejectsHeader = "file,line_number,line_id,reason,raw"

    /// SPEC v3 section 10's `baseline` (in the basis's format) and `growth` (4 decimals for percent,
    /// the basis's format for absolute); both empty for an agreement without `growth`, `growth` empty
    /// where it is undefined.
    static func appendGrowth(_ w: inout CSVWriter, _ figures: GrowthFigures?, decimals: Int) {
        guard let figures else {
            w.empty()
            w.empty()
            return
        }
        w.basis(figures.baseline, decimals: decimals)
        if let g = figures.growth { w.figure(g, decimals: decimals) } else { w.empty() }
    }

    /// `accruals.csv`, bytes as written.
    public func accrualsCSV() -> [UInt8] {
        let d = decimals
        var w = CSVWriter(header: Self.accrualsHeader, capacity: accruals.count * 120)
        for r in accruals {
            w.text(r.agreementID)
            w.text(r.program.rawValue)
            w.text(r.beneficiary)
            w.date(r.periodStart)
            w.date(r.periodEnd)
            w.text(r.month.monthText)
            w.quantity(r.quantity)
            w.money(r.amount, decimals: d)
            w.integer(Int(r.pallets))
            w.basis(r.basis, decimals: d)
            w.integer(r.tier)
            w.money(r.accruedToDate, decimals: d)
            w.money(r.posting, decimals: d)
            Self.appendGrowth(&w, r.growth, decimals: d)
            w.endRow()
        }
        return w.bytes
    }

    /// `settlements.csv`, bytes as written.
    public func settlementsCSV() -> [UInt8] {
        let d = decimals
        var w = CSVWriter(header: Self.settlementsHeader, capacity: settlements.count * 110)
        for r in settlements {
            w.text(r.agreementID)
            w.text(r.program.rawValue)
            w.text(r.beneficiary)
            w.date(r.periodStart)
            w.date(r.periodEnd)
            w.quantity(r.quantity)
            w.money(r.amount, decimals: d)
            w.integer(Int(r.pallets))
            w.basis(r.basis, decimals: d)
            w.integer(r.tier)
            w.money(r.earned, decimals: d)
            Self.appendGrowth(&w, r.growth, decimals: d)
            w.endRow()
        }
        return w.bytes
    }

    /// `statements.csv`, bytes as written.
    public func statementsCSV() -> [UInt8] {
        let d = decimals
        var w = CSVWriter(header: Self.statementsHeader, capacity: statements.count * 120)
        for r in statements {
            w.text(r.beneficiary)
            w.text(r.agreementID)
            w.text(r.program.rawValue)
            w.date(r.periodStart)
            w.date(r.periodEnd)
            w.date(r.asOf)
            w.basis(r.basis, decimals: d)
            w.integer(r.tier)
            w.money(r.earnedToDate, decimals: d)
            if let next = r.nextTierFrom { w.figure(next, decimals: d) } else { w.empty() }
            if let missing = r.toNextTier { w.basis(missing, decimals: d) } else { w.empty() }
            w.money(r.forecastEarned, decimals: d)
            Self.appendGrowth(&w, r.growth, decimals: d)
            w.endRow()
        }
        return w.bytes
    }

    /// `anomalies.csv`, bytes as written.
    public func anomaliesCSV() -> [UInt8] {
        var w = CSVWriter(header: Self.anomaliesHeader, capacity: anomalies.count * 160)
        for r in anomalies {
            w.text(r.kind.rawValue)
            w.text(r.agreementID)
            w.text(r.beneficiary)
            w.date(r.periodStart)
            w.date(r.periodEnd)
            w.text(r.detail)
            w.endRow()
        }
        return w.bytes
    }

    /// `rejects.csv` for the given rejects, sorted bytewise by file, line number text and the rest.
    public static func rejectsCSV(_ rejects: [TransactionReject]) -> [UInt8] {
        let sorted = rejects.sorted {
            Bytewise.less(
                [$0.file, String($0.line), $0.lineID, $0.reason], [$1.file, String($1.line), $1.lineID, $1.reason])
                || ([$0.file, String($0.line), $0.lineID, $0.reason] == [
                    $1.file, String($1.line), $1.lineID, $1.reason,
                ]
                    && $0.raw.lexicographicallyPrecedes($1.raw))
        }
        var w = CSVWriter(header: rejectsHeader, capacity: sorted.count * 120)
        for r in sorted {
            w.text(r.file)
            w.integer(r.line)
            w.text(r.lineID)
            w.text(r.reason)
            // The raw text is kept byte for byte, so the line can be fixed and fed again.
            w.raw(r.raw)
            w.endRow()
        }
        return w.bytes
    }
}
