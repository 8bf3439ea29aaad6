extension MergeJob {
    /// A malformed field of an output file: the folder holds something `rebate` did not write.
    static func bad(_ table: String, _ row: Int, _ what: String) -> RebateError {
        .invalidInput([InputProblem(file: table, line: row + 2, reason: "\(what): not an output of rebate")])
    }

    /// The typed rows of the merged CSVs, for `report.html` and the summary.
    // One piece: one block a table, each the inverse of the writer of that file.
    /// - Parameter growthMeasures: how each growth agreement measures growth (the shards' summaries say);
    ///   the statements of those agreements get their growth figures back, for report.html's growth table.
    static func rebuildReport(
        _ t: [String: OutputTable], currency: String, decimals d: Int, asOf: CivilDate?,
        growthMeasures: [String: Growth.Measure] = [:]
    ) throws(RebateError) -> AccrualReport {
        func date(_ s: String, _ table: String, _ i: Int) throws(RebateError) -> CivilDate {
            guard let v = CivilDate(s) else { throw bad(table, i, "date \"\(s)\"") }
            return v
        }
        func wide(_ s: String, _ scale: Int, _ table: String, _ i: Int) throws(RebateError) -> Int128 {
            guard let v = DecimalText.parseWide(s, scale: scale) else { throw bad(table, i, "number \"\(s)\"") }
            return v
        }
        func program(_ s: String, _ table: String, _ i: Int) throws(RebateError) -> RebateProgram {
            guard let p = RebateProgram(rawValue: s) else { throw bad(table, i, "program \"\(s)\"") }
            return p
        }
        /// The basis kind is not a column: it is the sum the basis equals (quantity first, as the engine's tiers do).
        func kind(_ f: [String], quantity: Int, amount: Int, basis: Int) -> RebateBasis {
            f[basis] == f[quantity] ? .quantity : f[basis] == f[amount] ? .amount : .pallets
        }
        var report = AccrualReport(
            currency: currency, decimals: d, asOf: asOf, accruals: [], settlements: [], statements: [], anomalies: [],
            linesAfterAsOf: 0)
        var kinds: [String: RebateBasis] = [:]
        for (i, r) in t["accruals.csv"]!.rows.enumerated() {
            let f = r.fields
            guard f.count == 15, let tier = Int(f[10]),
                let month = CivilDate(f[5] + "-01")
            else {
                throw bad("accruals.csv", i, "row")
            }
            let k = kind(f, quantity: 6, amount: 7, basis: 9)
            kinds[f[0]] = k
            report.accruals.append(
                AccrualRow(
                    agreementID: f[0], program: try program(f[1], "accruals.csv", i), beneficiary: f[2],
                    periodStart: try date(f[3], "accruals.csv", i), periodEnd: try date(f[4], "accruals.csv", i),
                    month: month, quantity: Quantity(milliUnits: try wide(f[6], 3, "accruals.csv", i)),
                    amount: Money(minorUnits: try wide(f[7], d, "accruals.csv", i)),
                    pallets: try wide(f[8], 0, "accruals.csv", i),
                    basis: Volume(k, scaled: try wide(f[9], k == .amount ? d : 3, "accruals.csv", i)), tier: tier,
                    accruedToDate: Money(minorUnits: try wide(f[11], d, "accruals.csv", i)),
                    posting: Money(minorUnits: try wide(f[12], d, "accruals.csv", i))
                ))
        }
        for (i, r) in t["settlements.csv"]!.rows.enumerated() {
            let f = r.fields
            guard f.count == 13, let tier = Int(f[9]) else {
                throw bad("settlements.csv", i, "row")
            }
            let k = kind(f, quantity: 5, amount: 6, basis: 8)
            report.settlements.append(
                SettlementRow(
                    agreementID: f[0], program: try program(f[1], "settlements.csv", i), beneficiary: f[2],
                    periodStart: try date(f[3], "settlements.csv", i), periodEnd: try date(f[4], "settlements.csv", i),
                    quantity: Quantity(milliUnits: try wide(f[5], 3, "settlements.csv", i)),
                    amount: Money(minorUnits: try wide(f[6], d, "settlements.csv", i)),
                    pallets: try wide(f[7], 0, "settlements.csv", i),
                    basis: Volume(k, scaled: try wide(f[8], k == .amount ? d : 3, "settlements.csv", i)), tier: tier,
                    earned: Money(minorUnits: try wide(f[10], d, "settlements.csv", i))))
        }
        for (i, r) in t["statements.csv"]!.rows.enumerated() {
            let f = r.fields
            guard f.count == 14, let tier = Int(f[7]) else {
                throw bad("statements.csv", i, "row")
            }
            let k = kinds[f[1]] ?? .quantity
            let scale = k == .amount ? d : 3
            let measure = f[12].isEmpty ? nil : growthMeasures[f[1]]
            // A percent growth agreement's next tier is a percent (SPEC section 10); to_next_tier stays basis.
            let next: TierFigure? =
                f[9].isEmpty
                ? nil
                : measure == .percent
                    ? .percent(tenThousandths: try wide(f[9], 4, "statements.csv", i))
                    : .volume(Volume(k, scaled: try wide(f[9], scale, "statements.csv", i)))
            var growth: GrowthFigures? = nil
            if let measure {
                // A percent figure for `percent` (next_tier_from is one too), a volume of the basis otherwise.
                growth = GrowthFigures(
                    k, baseline: try wide(f[12], scale, "statements.csv", i),
                    growth: f[13].isEmpty
                        ? nil : try wide(f[13], measure == .percent ? 4 : scale, "statements.csv", i),
                    measure: measure)
            }
            var row = StatementRow(
                beneficiary: f[0], agreementID: f[1], program: try program(f[2], "statements.csv", i),
                periodStart: try date(f[3], "statements.csv", i), periodEnd: try date(f[4], "statements.csv", i),
                asOf: try date(f[5], "statements.csv", i),
                basis: Volume(k, scaled: try wide(f[6], scale, "statements.csv", i)),
                tier: tier, earnedToDate: Money(minorUnits: try wide(f[8], d, "statements.csv", i)),
                nextTierFrom: next,
                toNextTier: f[10].isEmpty ? nil : Volume(k, scaled: try wide(f[10], scale, "statements.csv", i)),
                forecastEarned: Money(minorUnits: try wide(f[11], d, "statements.csv", i)))
            row.growth = growth
            report.statements.append(row)
        }
        for (i, r) in t["anomalies.csv"]!.rows.enumerated() {
            let f = r.fields
            guard f.count == 6, let kind = AnomalyKind(rawValue: f[0]) else { throw bad("anomalies.csv", i, "row") }
            report.anomalies.append(
                Anomaly(
                    kind: kind, agreementID: f[1], beneficiary: f[2], periodStart: try date(f[3], "anomalies.csv", i),
                    periodEnd: try date(f[4], "anomalies.csv", i), detail: f[5]))
        }
        return report
    }

    /// The merged close: its rows from the merged CSVs, drivers derived as the close derives them,
    /// ledger totals before summed from the shards.
    // One piece: one block a close table, then the totals from the shards.
    static func rebuildClose(_ t: [String: OutputTable], report: AccrualReport, runs: [ShardRun], asOf: CivilDate)
        throws(RebateError) -> MonthEndClose
    {
        let d = report.decimals
        func money(_ s: String, _ table: String, _ i: Int) throws(RebateError) -> Money {
            guard let v = DecimalText.parseWide(s, scale: d) else { throw bad(table, i, "money \"\(s)\"") }
            return Money(minorUnits: v)
        }
        func date(_ s: String, _ table: String, _ i: Int) throws(RebateError) -> CivilDate {
            guard let v = CivilDate(s) else { throw bad(table, i, "date \"\(s)\"") }
            return v
        }
        let month = CivilDate.firstDay(ofMonthIndex: asOf.monthIndex)
        var close = MonthEndClose(
            month: month, asOf: asOf, report: report, journal: [], payments: [], ledger: [], totals: CloseTotals())
        for (i, r) in t["ledger.csv"]!.rows.enumerated() {
            let f = r.fields
            guard f.count == 6 else { throw bad("ledger.csv", i, "row") }
            close.ledger.append(
                LedgerRow(
                    agreementID: f[0], beneficiary: f[1], periodStart: try date(f[2], "ledger.csv", i),
                    periodEnd: try date(f[3], "ledger.csv", i), accrued: try money(f[4], "ledger.csv", i),
                    paid: try money(f[5], "ledger.csv", i)))
        }
        let kept = Set(close.ledger.map(\.key))
        for (i, r) in t["journal.csv"]!.rows.enumerated() {
            let f = r.fields
            guard f.count == 9, let kind = JournalEntryKind(rawValue: f[5]) else { throw bad("journal.csv", i, "row") }
            let start = try date(f[3], "journal.csv", i)
            let end = try date(f[4], "journal.csv", i)
            let amount = try money(f[8], "journal.csv", i)
            // journal.csv has no sign column (the direction is in the accounts); the signed sums come from the summaries.
            let key = LedgerRow.Key(agreementID: f[1], start: start.dayNumber, end: end.dayNumber)
            let reversed = !kept.contains(key)
            let driver: TrueUpDriver =
                reversed ? .reversal : kind == .settlement ? .settlement : end < month ? .closedPeriod : .currentPeriod
            close.journal.append(
                JournalEntry(
                    date: try date(f[0], "journal.csv", i), agreementID: f[1], beneficiary: f[2], periodStart: start,
                    periodEnd: end, kind: kind, debit: f[6], credit: f[7], amount: amount, change: amount,
                    driver: driver))
        }
        for (i, r) in t["payments.csv"]!.rows.enumerated() {
            let f = r.fields
            guard f.count == 7 else { throw bad("payments.csv", i, "row") }
            close.payments.append(
                Payment(
                    beneficiary: f[0], agreementID: f[1], periodStart: try date(f[2], "payments.csv", i),
                    periodEnd: try date(f[3], "payments.csv", i), earned: try money(f[4], "payments.csv", i),
                    paidBefore: try money(f[5], "payments.csv", i), amount: try money(f[6], "payments.csv", i)))
        }
        // Totals: the ledgers read are the shards'; the journal's signed sums come from the shards' summaries.
        for run in runs {
            guard let c = run.summary["close"] else { continue }
            func sum(_ object: String, _ member: String) -> Money {
                Money(minorUnits: DecimalText.parseWide(string(c[object]?[member]), scale: d) ?? 0)
            }
            close.totals.accruedBefore += sum("ledger_before", "accrued")
            close.totals.paidBefore += sum("ledger_before", "paid")
            close.totals.rowsBefore += Int(number(c["ledger_before"]?["rows"])) ?? 0
            close.totals.accrualEntries += sum("journal", "accrual")
            close.totals.settlementEntries += sum("journal", "settlement")
        }
        for row in close.ledger {
            close.totals.accruedAfter += row.accrued
            close.totals.paidAfter += row.paid
        }
        close.totals.rowsAfter = close.ledger.count
        for e in close.journal {
            close.totals.debits += e.amount
            close.totals.credits += e.amount
        }
        return close
    }

    /// What the merged run read: the shards' totals added up, per listed currency too (SPEC section 11);
    /// master data counts from shard 0 (every shard has it whole).
    /// - Throws: ``RebateError/invariantViolated(_:)`` when a shard's per-currency totals cannot be read
    ///   (our own summary.json, so a bug or a tampered folder).
    static func mergedContext(_ runs: [ShardRun], rejects: [TransactionReject], currency: String, decimals d: Int)
        throws(RebateError) -> RunContext
    {
        var totals = IngestTotals()
        var agreements = 0
        var warnings = Set<String>()
        for run in runs {
            let t = run.summary["transactions"]
            totals.linesRead += Int(number(t?["lines_read"])) ?? 0
            totals.linesAccepted += Int(number(t?["lines_accepted"])) ?? 0
            totals.linesRejected += Int(number(t?["lines_rejected"])) ?? 0
            totals.rejectedUnreadable += Int(number(t?["rejected_lines_with_unreadable_numbers"])) ?? 0
            let wide = { (name: String, scale: Int) in DecimalText.parseWide(string(t?[name]), scale: scale) ?? 0 }
            totals.acceptedQuantity += Quantity(milliUnits: wide("quantity_accepted", 3))
            totals.acceptedAmount += Money(minorUnits: wide("amount_accepted", d))
            totals.rejectedQuantity += Quantity(milliUnits: wide("quantity_rejected", 3))
            totals.rejectedAmount += Money(minorUnits: wide("amount_rejected", d))
            agreements += Int(number(run.summary["agreements"])) ?? 0
            // A shard lists the currencies it accepted lines in; the book currency's are what the rest leave.
            if case .object(let listed)? = run.summary["currencies"] {
                var foreign: [ForeignCurrencyTotals] = []
                for m in listed where m.key != currency {
                    // Amounts as written carry exactly the currency's decimals.
                    let written = string(m.value["amount"])
                    let decimals =
                        written.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
                    guard let lines = Int(number(m.value["lines"])),
                        let amount = DecimalText.parseWide(written, scale: decimals),
                        let book = DecimalText.parseWide(string(m.value["book_amount"]), scale: d)
                    else {
                        throw .invariantViolated("a shard's summary.json has unreadable totals for currency \(m.key)")
                    }
                    var t = ForeignCurrencyTotals(code: m.key, decimals: decimals)
                    (t.lines, t.amount, t.bookAmount) = (lines, Money(minorUnits: amount), Money(minorUnits: book))
                    foreign.append(t)
                }
                totals.addForeign(foreign)
            }
            if case .array(let list)? = run.summary["warnings"] {
                for case .string(let w) in list { warnings.insert(w) }
            }
        }
        let first = runs[0].summary
        return RunContext(
            currency: currency, decimals: d, partnerCount: Int(number(first["partners"])) ?? 0,
            productCount: Int(number(first["products"])) ?? 0, agreementCount: agreements,
            transactionsFile: string(first["transactions"]?["read_from"]), totals: totals, rejects: rejects,
            warnings: warnings.sorted { Bytewise.less($0, $1) })
    }

    /// Merged totals must be the sums of the shards' (exit 70 otherwise: a bug, or a tampered folder).
    static func verifySums(_ runs: [ShardRun], report: AccrualReport, close: MonthEndClose?, decimals d: Int)
        throws(RebateError)
    {
        var accrued: Int128 = 0
        var settled: Int128 = 0
        var rows = [0, 0, 0, 0]
        for run in runs {
            accrued += DecimalText.parseWide(string(run.summary["total_accrued"]), scale: d) ?? 0
            settled += DecimalText.parseWide(string(run.summary["total_settled"]), scale: d) ?? 0
            for (i, name) in ["accruals", "settlements", "statements", "anomalies"].enumerated() {
                rows[i] += Int(number(run.summary["rows"]?[name])) ?? 0
            }
        }
        guard accrued == report.totalAccrued.minorUnits, settled == report.totalSettled.minorUnits,
            rows == [report.accruals.count, report.settlements.count, report.statements.count, report.anomalies.count]
        else {
            throw .invariantViolated("the merged outputs' totals are not the sums of the shards' summaries")
        }
        if let close {
            var after: (Int128, Int128) = (0, 0)
            for run in runs {
                after.0 +=
                    DecimalText.parseWide(string(run.summary["close"]?["ledger_after"]?["accrued"]), scale: d) ?? 0
                after.1 += DecimalText.parseWide(string(run.summary["close"]?["ledger_after"]?["paid"]), scale: d) ?? 0
            }
            guard after == (close.totals.accruedAfter.minorUnits, close.totals.paidAfter.minorUnits),
                close.totals.reconciles
            else {
                throw .invariantViolated("the merged ledger does not reconcile with the shards' closes")
            }
        }
    }
}
