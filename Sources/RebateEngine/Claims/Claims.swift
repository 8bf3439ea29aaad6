/// Claims (SPEC v3 section 12): an `on_claim` agreement pays an ended period only as far as the
/// beneficiary has claimed it, and every claim is checked against what the period earned.
///
/// Everything about claims is in this folder: the claim row read from `--claims`, the reader,
/// the decision of every received claim, and `claims.csv`. The close (``MonthEndClose``) takes the
/// approvals as `target_paid` of `on_claim` periods.

/// How an agreement is paid.
public enum PaymentMode: String, Sendable, CaseIterable {
    /// Every ended period is paid what it earned (the default).
    case automatic
    /// An ended period is paid what its approved claims add up to.
    case onClaim = "on_claim"
}

/// One row of the claims file: what a beneficiary asked to be paid for one period.
public struct Claim: Hashable, Sendable {
    /// The claim's id (not unique in the file: a repeat is rejected as a duplicate).
    public var claimID: String
    /// Who claims: the partner, or the group for a group agreement.
    public var beneficiary: String
    /// The agreement claimed under.
    public var agreementID: String
    /// The period claimed.
    public var periodStart: CivilDate
    public var periodEnd: CivilDate
    /// The day the claim was received; claims after the as-of date are not yet received.
    public var submitted: CivilDate
    /// The amount claimed, in the book currency.
    public var amount: Money
    /// The claim's line in the claims file (the header is line 1).
    public var line: Int

    /// Creates a claim from its values.
    public init(
        claimID: String, beneficiary: String, agreementID: String, periodStart: CivilDate, periodEnd: CivilDate,
        submitted: CivilDate, amount: Money, line: Int = 0
    ) {
        self.claimID = claimID
        self.beneficiary = beneficiary
        self.agreementID = agreementID
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.submitted = submitted
        self.amount = amount
        self.line = line
    }
}

/// What a close decided for a claim.
public enum ClaimStatus: String, Sendable, CaseIterable {
    case approved
    case partlyApproved = "partly approved"
    case rejected
}

/// One row of `claims.csv`: a received claim and what was decided.
public struct ClaimDecision: Hashable, Sendable {
    /// The claim as received.
    public var claim: Claim
    /// What the period earned; `nil` where there is no such period or it has not ended.
    public var earned: Money?
    /// What is approved (zero for a rejected claim).
    public var approved: Money
    /// The decision.
    public var status: ClaimStatus
    /// Why: empty for `approved`, `exceeds what is left` for `partly approved`, the rejection's reason.
    public var reason: String
}

/// Every received claim decided, and what it means for the close.
public struct ClaimsOutcome: Sendable {
    /// The decisions, sorted by `claim_id` bytewise, rows of one id in file order.
    public var decisions: [ClaimDecision] = []
    /// Approved per agreement and period (`LedgerRow.Key`), for `target_paid`.
    var approvedByPeriod: [LedgerRow.Key: Int128] = [:]
    /// Over-claims: agreement and ended period whose claims passing step 1 exceed what it earned.
    public var overClaims: [Anomaly] = []
    /// Claims in the file submitted after the as-of date (not yet received).
    public var notYetReceived = 0

    /// Count and sum of the claimed amounts, and the sum approved, of one status.
    public func totals(_ status: ClaimStatus) -> (count: Int, claimed: Money, approved: Money) {
        var out = (count: 0, claimed: Money.zero, approved: Money.zero)
        // Through a pointer: each decision's fields are read in place, not the decision copied with its
        // four strings (a close reads a million decisions' totals several times).
        decisions.withUnsafeBufferPointer { all in
            guard let first = all.baseAddress else { return }
            for d in first..<first + all.count where d.pointee.status == status {
                out.count += 1
                out.claimed += d.pointee.claim.amount
                out.approved += d.pointee.approved
            }
        }
        return out
    }
}

extension ClaimsOutcome {
    /// Decides every claim received by `asOf` from scratch, in file order (SPEC section 12).
    ///
    /// A sort and two walks: the received claims are ordered once by `claim_id` bytes (which finds
    /// the duplicates and is the order of `claims.csv`), then walked in file order against flat
    /// arrays of each claimed agreement's periods, with no hashing of strings per claim beyond
    /// finding its agreement.
    /// - Parameters:
    ///   - claims: the claims file's rows in file order.
    ///   - agreements: the dataset's agreements.
    ///   - earned: what each ended period (by `as_of`) earned, keyed like the ledger.
    /// - Complexity: O(c log c) for c claims, plus the periods of the agreements they name.
    static func decide(
        _ claims: [Claim], agreements: AgreementSet, earned: [LedgerRow.Key: Int128], asOf: CivilDate, decimals: Int
    ) -> ClaimsOutcome {
        var out = ClaimsOutcome()
        let received = claims.indices.filter { claims[$0].submitted <= asOf }
        out.notYetReceived = claims.count - received.count
        let order = Bytewise.stableOrder(received.map { claims[$0].claimID })
        // A claim repeating an earlier received claim's id (in file order) is a duplicate.
        var duplicate = [Bool](repeating: false, count: received.count)
        for entry in order where entry.repeatsPrevious { duplicate[entry.index] = true }

        // Periods of the agreements claimed, flat: agreement `a`'s periods are `firstPeriod[a]..<+count`.
        let agreementList = agreements.agreements
        let indexOf = Dictionary(
            agreementList.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var firstPeriod = [Int](repeating: -1, count: agreementList.count)
        var periodCount = [Int](repeating: 0, count: agreementList.count)
        var periods: [SettlementPeriod] = []
        var periodEarned: [Int128?] = []
        // The agreement (index) of each period, for its key and the over-claims.
        var agreementOfPeriod: [Int] = []
        func period(of claim: Claim, agreement a: Int) -> Int? {
            if firstPeriod[a] < 0 {
                let agreement = agreementList[a]
                let list = SettlementPeriod.periods(from: agreement.start, to: agreement.end, agreement.settlement)
                firstPeriod[a] = periods.count
                periodCount[a] = list.count
                for p in list {
                    periods.append(p)
                    agreementOfPeriod.append(a)
                    periodEarned.append(
                        earned[LedgerRow.Key(agreementID: agreement.id, start: p.start.dayNumber, end: p.end.dayNumber)]
                    )
                }
            }
            // Periods follow each other in time: a binary search on the start.
            var low = firstPeriod[a]
            var high = low + periodCount[a]
            while low < high {
                let mid = (low + high) / 2
                if periods[mid].start < claim.periodStart { low = mid + 1 } else { high = mid }
            }
            guard low < firstPeriod[a] + periodCount[a], periods[low].start == claim.periodStart,
                periods[low].end == claim.periodEnd
            else { return nil }
            return low
        }

        // Step 1, in file order: the checks of SPEC section 12. Decisions are kept as columns by
        // received position and become rows once, in `claims.csv` order.
        let noEarned = Int128.min
        var earnedOf = [Int128](repeating: noEarned, count: received.count)
        var approvedOf = [Int64](repeating: 0, count: received.count)
        var statusOf = [ClaimStatus](repeating: .rejected, count: received.count)
        var reasonOf = [String](repeating: "", count: received.count)
        var passed: [(received: Int, period: Int)] = []
        for (i, c) in received.enumerated() {
            let claim = claims[c]
            let ended = claim.periodEnd <= asOf
            var reason: String?
            var found: Int?
            if let a = indexOf[claim.agreementID] {
                found = period(of: claim, agreement: a)
                let agreement = agreementList[a]
                if duplicate[i] {
                    reason = "duplicate claim"
                } else if agreement.payment == .automatic {
                    reason = "paid automatically"
                } else if agreement.beneficiary.id != claim.beneficiary {
                    reason = "not the beneficiary"
                } else if found == nil {
                    reason = "no such period"
                } else if !ended {
                    reason = "period not ended"
                }
            } else {
                reason = duplicate[i] ? "duplicate claim" : "unknown agreement"
            }
            if ended, let found, let e = periodEarned[found] { earnedOf[i] = e }
            if let reason { reasonOf[i] = reason } else if let found { passed.append((i, found)) }
        }

        // Step 2: per agreement and period, in file order, each takes what is left of what it earned.
        var approved = [Int128](repeating: 0, count: periods.count)
        var claimed = [Int128](repeating: 0, count: periods.count)
        var isClaimed = [Bool](repeating: false, count: periods.count)
        var firstClaimed: [Int] = []
        for (i, p) in passed {
            let earnedValue = periodEarned[p] ?? 0
            if !isClaimed[p] {
                isClaimed[p] = true
                firstClaimed.append(p)
            }
            let amount = claims[received[i]].amount.minorUnits
            claimed[p] += amount
            let approve = min(amount, max(0, earnedValue - approved[p]))
            approved[p] += approve
            approvedOf[i] = Int64(approve)
            if approve == amount {
                statusOf[i] = .approved
            } else if approve > 0 {
                statusOf[i] = .partlyApproved
                reasonOf[i] = "exceeds what is left"
            } else {
                reasonOf[i] = "nothing left to claim"
            }
        }
        for p in firstClaimed {
            let a = agreementList[agreementOfPeriod[p]]
            let key = LedgerRow.Key(agreementID: a.id, start: periods[p].start.dayNumber, end: periods[p].end.dayNumber)
            out.approvedByPeriod[key] = approved[p]
            let earnedValue = periodEarned[p] ?? 0
            let total = claimed[p]
            guard total > earnedValue else { continue }
            out.overClaims.append(
                Anomaly(
                    kind: .overClaim, agreementID: a.id, beneficiary: a.beneficiary.id,
                    periodStart: periods[p].start, periodEnd: periods[p].end,
                    detail:
                        "claimed \(DecimalText.money(total, decimals: decimals)), earned \(DecimalText.money(earnedValue, decimals: decimals))"
                ))
        }
        out.decisions = order.map { entry in
            let i = entry.index
            return ClaimDecision(
                claim: claims[received[i]],
                earned: earnedOf[i] == noEarned ? nil : Money(minorUnits: earnedOf[i]),
                approved: Money(minorUnits: approvedOf[i]), status: statusOf[i], reason: reasonOf[i])
        }
        return out
    }

    /// What each ended period of an `on_claim` agreement can still be claimed for (`earned − approved`),
    /// the claims decided as a close on the report's as-of date would decide them; for the partner pages.
    static func claimable(_ report: AccrualReport, agreements: AgreementSet, claims: [Claim]?)
        -> [LedgerRow.Key: Money]
    {
        let onClaim = Set(agreements.agreements.filter { $0.payment == .onClaim }.map(\.id))
        guard !onClaim.isEmpty else { return [:] }
        let earned = report.earnedByPeriod.filter { onClaim.contains($0.key.agreementID) }
        let day = report.asOf ?? CivilDate(dayNumber: Int32.max / 2)
        let approved = decide(
            claims ?? [], agreements: agreements, earned: earned, asOf: day, decimals: report.decimals
        ).approvedByPeriod
        return earned.reduce(into: [:]) { out, item in
            out[item.key] = Money(minorUnits: max(0, item.value - (approved[item.key] ?? 0)))
        }
    }

    /// The checks of SPEC section 12: every received claim has one status, and no period is approved
    /// more than it earned.
    /// - Throws: ``RebateError/invariantViolated(_:)`` otherwise (exit 70).
    func verify(earned: [LedgerRow.Key: Int128]) throws(RebateError) {
        let counted = ClaimStatus.allCases.reduce(0) { $0 + totals($1).count }
        guard counted == decisions.count else {
            throw .invariantViolated("claims: \(decisions.count) received but \(counted) decided")
        }
        for (key, approved) in approvedByPeriod where approved > (earned[key] ?? 0) || approved < 0 {
            throw .invariantViolated(
                "claims: agreement \"\(key.agreementID)\" approved \(approved) above what the period earned")
        }
    }

    /// The header of `claims.csv`.
    public static let header =
        "claim_id,beneficiary,agreement_id,period_start,period_end,submitted,amount,earned,approved,status,reason"

    /// `claims.csv`, bytes as written.
    public func csv(decimals: Int) -> [UInt8] {
        var w = CSVWriter(header: Self.header, capacity: decisions.count * 110)
        for d in decisions {
            w.text(d.claim.claimID)
            w.text(d.claim.beneficiary)
            w.text(d.claim.agreementID)
            w.date(d.claim.periodStart)
            w.date(d.claim.periodEnd)
            w.date(d.claim.submitted)
            w.money(d.claim.amount, decimals: decimals)
            if let e = d.earned { w.money(e, decimals: decimals) } else { w.empty() }
            w.money(d.approved, decimals: decimals)
            w.text(d.status.rawValue)
            w.text(d.reason)
            w.endRow()
        }
        return w.bytes
    }
}

/// Reads a claims file (SPEC section 12): untrusted input, so every bad row is named at once.
public enum ClaimsFile {
    static let columns = [
        "claim_id", "beneficiary", "agreement_id", "period_start", "period_end", "submitted", "amount",
    ]

    /// Reads the claims at `path`; `amount` must be money of the book currency and above 0.
    /// - Throws: ``RebateError/invalidInput(_:)`` listing every bad row (file, line, field, reason),
    ///   ``RebateError/io(path:reason:)`` when it cannot be read.
    public static func read(path: String, decimals: Int) throws(RebateError) -> [Claim] {
        let file = try FileBytes(path: path)
        return try parse(file.buffer, fileName: path, decimals: decimals)
    }

    /// Parses claims bytes; `fileName` is what problems are reported against.
    /// - Complexity: O(rows).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, fileName: String, decimals: Int) throws(RebateError)
        -> [Claim]
    {
        var problems: [InputProblem] = []
        var claims: [Claim] = []
        MasterCSV.read(bytes, fileName: fileName, required: columns, problems: &problems) { row in
            let id = row.identifier("claim_id")
            let beneficiary = row.identifier("beneficiary")
            let agreement = row.identifier("agreement_id")
            let start = LedgerFile.date(row, "period_start")
            let end = LedgerFile.date(row, "period_end")
            let submitted = LedgerFile.date(row, "submitted")
            var amount = LedgerFile.money(row, "amount", decimals: decimals)
            if let a = amount, a <= 0 {
                row.fail("amount", "\"\(row.text("amount") ?? "")\" must be more than 0")
                amount = nil
            }
            guard let id, let beneficiary, let agreement, let start, let end, let submitted, let amount else { return }
            claims.append(
                Claim(
                    claimID: id, beneficiary: beneficiary, agreementID: agreement, periodStart: start, periodEnd: end,
                    submitted: submitted, amount: Money(minorUnits: amount), line: row.line))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return claims
    }
}

extension SettlementRow {
    /// The ledger's key of this period (agreement, start, end).
    var periodKey: LedgerRow.Key {
        LedgerRow.Key(agreementID: agreementID, start: periodStart.dayNumber, end: periodEnd.dayNumber)
    }
}

extension AccrualReport {
    /// What each ended period earned, by the ledger's key: what claims are approved against.
    var earnedByPeriod: [LedgerRow.Key: Int128] {
        Dictionary(settlements.map { ($0.periodKey, $0.earned.minorUnits) }, uniquingKeysWith: { a, _ in a })
    }
}
