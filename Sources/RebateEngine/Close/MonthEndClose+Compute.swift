extension MonthEndClose {
    /// Closes a month on values: computes the dataset as of the month's last day and the journal,
    /// payments and ledger that bring `ledger` (what the books hold) level with it.
    ///
    /// No file is read or written; ``CloseJob`` is the whole `rebate close` job.
    /// - Parameters:
    ///   - month: any day of the month to close.
    ///   - ledger: the ledger rows booked so far (empty: nothing is booked yet); keys must not repeat.
    ///   - claims: every claim received so far, in file order (`nil`: no claims file, nothing is claimed);
    ///     `on_claim` agreements are paid what their claims are approved (SPEC section 12).
    ///   - options: threads and progress; its `asOf` is replaced by the month's last day.
    /// - Throws: ``RebateError/invalidInput(_:)`` for bad values or a repeated ledger key,
    ///   ``RebateError/invariantViolated(_:)`` when the totals do not reconcile.
    /// - Complexity: O(lines × agreements per partner + agreements × months + ledger rows).
    public static func run(
        _ dataset: Dataset, month: CivilDate, ledger: [LedgerRow], claims: [Claim]? = nil,
        options: AccrualOptions = AccrualOptions()
    ) throws(RebateError) -> MonthEndClose {
        var options = options
        options.asOf = CivilDate.lastDay(ofMonthIndex: month.monthIndex)
        let report = try AccrualEngine.run(dataset, options: options)
        return try reconcile(report, agreements: dataset.agreements, ledger: ledger, claims: claims)
    }

    /// The journal, payments and target ledger from an accrual report taken as of a month's last day.
    /// - Precondition: `report.asOf` is the last day of a month.
    // One piece: the key-by-key comparison of SPEC section 8 reads as the spec does, targets against the books.
    static func reconcile(
        _ report: AccrualReport, agreements: AgreementSet, ledger: [LedgerRow], claims: [Claim]? = nil
    ) throws(RebateError) -> MonthEndClose {
        guard let asOf = report.asOf else { throw .invariantViolated("a close needs an as-of date") }
        let month = CivilDate.firstDay(ofMonthIndex: asOf.monthIndex)
        var problems: [InputProblem] = []
        var seen = Set<LedgerRow.Key>()
        for (i, row) in ledger.enumerated() where !seen.insert(row.key).inserted {
            problems.append(
                InputProblem(
                    file: "ledger", line: i, field: "agreement_id",
                    reason: "agreement \"\(row.agreementID)\" period \(row.periodStart)..\(row.periodEnd) repeats"))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }

        var report = report
        var targets = Self.targets(report, asOf: asOf)
        // SPEC section 12: an on_claim agreement's ended period is paid what its claims are approved.
        var decided: ClaimsOutcome?
        let onClaim = Set(agreements.agreements.filter { $0.payment == .onClaim }.map(\.id))
        if claims != nil || !onClaim.isEmpty {
            let earned = report.earnedByPeriod
            let outcome = ClaimsOutcome.decide(
                claims ?? [], agreements: agreements, earned: earned, asOf: asOf, decimals: report.decimals)
            for i in targets.indices
            where onClaim.contains(targets[i].row.agreementID) && targets[i].row.periodEnd <= asOf {
                targets[i].row.paid = Money(minorUnits: outcome.approvedByPeriod[targets[i].row.key] ?? 0)
            }
            if !outcome.overClaims.isEmpty {
                report.anomalies += outcome.overClaims
                report.sortAnomalies()
            }
            try outcome.verify(earned: earned)
            if claims != nil { decided = outcome }
        }
        let booked = Dictionary(uniqueKeysWithValues: ledger.map { ($0.key, $0) })
        let accountsByID = Dictionary(
            agreements.agreements.map { ($0.id, agreements.accounts(of: $0)) }, uniquingKeysWith: { a, _ in a })

        var close = MonthEndClose(
            month: month, asOf: asOf, report: report, journal: [], payments: [], ledger: [], totals: CloseTotals(),
            claims: decided)
        close.totals.rowsBefore = ledger.count
        for row in ledger {
            close.totals.accruedBefore += row.accrued
            close.totals.paidBefore += row.paid
        }
        // Every key the books or the recomputation know: started periods, then ledger rows matching none.
        let targetByKey = Dictionary(uniqueKeysWithValues: targets.map { ($0.row.key, $0) })
        let keys = targets.map(\.row.key) + ledger.map(\.key).filter { targetByKey[$0] == nil }
        for key in keys {
            let target = targetByKey[key]
            let before = booked[key]
            let row = target?.row ?? before!
            // SPEC section 8: the agreement's own accounts, also for a period that no longer matches its
            // dates; only an agreement that was removed books on the top-level accounts.
            let accounts = accountsByID[key.agreementID] ?? agreements.accounts
            let deltaAccrued = (target?.row.accrued ?? .zero) - (before?.accrued ?? .zero)
            let deltaPaid = (target?.row.paid ?? .zero) - (before?.paid ?? .zero)
            let ended = row.periodEnd <= asOf
            func entry(_ kind: JournalEntryKind, _ change: Money, _ positive: (String, String)) -> JournalEntry {
                let driver: TrueUpDriver
                if target == nil {
                    driver = .reversal
                } else if kind == .settlement {
                    driver = .settlement
                } else {
                    driver = ended && row.periodEnd < month ? .closedPeriod : .currentPeriod
                }
                return JournalEntry(
                    date: asOf, agreementID: row.agreementID, beneficiary: row.beneficiary,
                    periodStart: row.periodStart, periodEnd: row.periodEnd, kind: kind,
                    debit: change > .zero ? positive.0 : positive.1, credit: change > .zero ? positive.1 : positive.0,
                    amount: change < .zero ? -change : change, change: change, driver: driver)
            }
            if deltaAccrued != .zero {
                close.journal.append(entry(.accrual, deltaAccrued, (accounts.expense, accounts.liability)))
            }
            if deltaPaid != .zero {
                close.journal.append(entry(.settlement, deltaPaid, (accounts.liability, accounts.payable)))
                close.payments.append(
                    Payment(
                        beneficiary: row.beneficiary, agreementID: row.agreementID, periodStart: row.periodStart,
                        periodEnd: row.periodEnd, earned: target?.earned ?? .zero, paidBefore: before?.paid ?? .zero,
                        amount: deltaPaid))
            }
            if let target { close.ledger.append(target.row) }
        }
        close.sortRows()
        close.totals.rowsAfter = close.ledger.count
        for row in close.ledger {
            close.totals.accruedAfter += row.accrued
            close.totals.paidAfter += row.paid
        }
        for e in close.journal {
            if e.kind == .accrual {
                close.totals.accrualEntries += e.change
            } else {
                close.totals.settlementEntries += e.change
            }
            close.totals.debits += e.amount
            close.totals.credits += e.amount
        }
        try close.verifyInvariants(ledgerBefore: ledger)
        return close
    }

    /// Each period started by `asOf`: its target ledger row (`accrued`, `paid`) and what it earned.
    static func targets(_ report: AccrualReport, asOf: CivilDate) -> [(row: LedgerRow, earned: Money)] {
        let asOfMonth = CivilDate.firstDay(ofMonthIndex: asOf.monthIndex)
        var out: [(row: LedgerRow, earned: Money)] = []
        var settled = Set<LedgerRow.Key>()
        for s in report.settlements where s.periodEnd <= asOf {
            let row = LedgerRow(
                agreementID: s.agreementID, beneficiary: s.beneficiary, periodStart: s.periodStart,
                periodEnd: s.periodEnd, accrued: s.earned, paid: s.earned)
            settled.insert(row.key)
            out.append((row, s.earned))
        }
        for a in report.accruals where a.month == asOfMonth && a.periodStart <= asOf {
            let row = LedgerRow(
                agreementID: a.agreementID, beneficiary: a.beneficiary, periodStart: a.periodStart,
                periodEnd: a.periodEnd, accrued: a.accruedToDate, paid: .zero)
            if settled.contains(row.key) { continue }
            out.append((row, .zero))
        }
        return out
    }
}

extension MonthEndClose {
    /// Sorts the rows as SPEC sections 6 and 8 say: bytewise by their columns in file order.
    mutating func sortRows() {
        func text(_ d: CivilDate) -> String { d.description }
        journal.sort {
            Bytewise.less(
                [
                    text($0.date), $0.agreementID, $0.beneficiary, text($0.periodStart), text($0.periodEnd),
                    $0.kind.rawValue,
                ],
                [
                    text($1.date), $1.agreementID, $1.beneficiary, text($1.periodStart), text($1.periodEnd),
                    $1.kind.rawValue,
                ])
        }
        payments.sort {
            Bytewise.less(
                [$0.beneficiary, $0.agreementID, text($0.periodStart), text($0.periodEnd)],
                [$1.beneficiary, $1.agreementID, text($1.periodStart), text($1.periodEnd)])
        }
        ledger.sort {
            Bytewise.less(
                [$0.agreementID, $0.beneficiary, text($0.periodStart), text($0.periodEnd)],
                [$1.agreementID, $1.beneficiary, text($1.periodStart), text($1.periodEnd)])
        }
    }

    /// Checks what SPEC section 8 promises on every run; a failure is a bug (exit 70).
    func verifyInvariants(ledgerBefore: [LedgerRow]) throws(RebateError) {
        let t = totals
        guard t.reconciles else {
            throw .invariantViolated(
                "close does not reconcile: ledger after \(t.accruedAfter.minorUnits)/\(t.paidAfter.minorUnits) is not before "
                    + "\(t.accruedBefore.minorUnits)/\(t.paidBefore.minorUnits) plus journal "
                    + "\(t.accrualEntries.minorUnits)/\(t.settlementEntries.minorUnits) (minor units)"
            )
        }
        // Applying the journal to the ledger read gives the ledger written, key by key.
        var balance: [LedgerRow.Key: (Money, Money)] = [:]
        for row in ledgerBefore { balance[row.key] = (row.accrued, row.paid) }
        for e in journal {
            let key = LedgerRow.Key(
                agreementID: e.agreementID, start: e.periodStart.dayNumber, end: e.periodEnd.dayNumber)
            var b = balance[key] ?? (.zero, .zero)
            if e.kind == .accrual { b.0 += e.change } else { b.1 += e.change }
            balance[key] = b
        }
        for row in ledger
        where balance.removeValue(forKey: row.key).map({ $0 != (row.accrued, row.paid) })
            ?? (row.accrued != .zero || row.paid != .zero)
        {
            throw .invariantViolated(
                "ledger row \(row.agreementID) \(row.periodStart) does not equal the books plus the journal")
        }
        if balance.values.contains(where: { $0 != (.zero, .zero) }) {
            throw .invariantViolated("a reversed ledger row does not come to zero")
        }
    }
}
