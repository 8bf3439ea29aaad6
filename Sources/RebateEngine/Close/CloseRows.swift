/// The two kinds of journal entry of a close (SPEC section 8).
public enum JournalEntryKind: String, Sendable, Hashable {
    /// Expense against liability: the change of what a period has accrued.
    case accrual
    /// Liability against payable: the change of what a period has settled.
    case settlement
}

/// Why a journal entry is there, for the people who read the close.
public enum TrueUpDriver: String, Sendable, Hashable {
    /// The accrual of a period still running, or ending, this month.
    case currentPeriod = "current period"
    /// A period that ended before this month changed: late lines, credit notes or a changed agreement.
    case closedPeriod = "closed period changed"
    /// A ledger row that matches no started period (an agreement removed, or its dates changed): reversed.
    case reversal = "reversal"
    /// A period that has ended is settled (or its settlement changed).
    case settlement = "settlement"
}

/// One row of `journal.csv`: a balanced entry that brings the books level.
public struct JournalEntry: Hashable, Sendable {
    /// The as-of date of the close (the month's last day).
    public var date: CivilDate
    /// The agreement's id.
    public var agreementID: String
    /// The partner or buying-group id.
    public var beneficiary: String
    /// The settlement period's first day.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// Accrual or settlement.
    public var kind: JournalEntryKind
    /// The account debited.
    public var debit: String
    /// The account credited.
    public var credit: String
    /// `|Δ|`, minor units: never negative, so every row balances.
    public var amount: Money
    /// The signed change (`Δa` or `Δp`), minor units; the direction is also in `debit` and `credit`
    /// (a merged journal, read back from journal.csv, has the magnitude only).
    var change: Money
    /// What drove it.
    public var driver: TrueUpDriver
}

/// One row of `payments.csv`: what to pay a beneficiary, or claw back, for a settled period.
public struct Payment: Hashable, Sendable {
    /// The partner or buying-group id.
    public var beneficiary: String
    /// The agreement's id.
    public var agreementID: String
    /// The settlement period's first day.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// What the period earned (0 for a removed agreement or a period not ended).
    public var earned: Money
    /// What the ledger says was paid before.
    public var paidBefore: Money
    /// `Δp`: positive is paid to the beneficiary, negative clawed back.
    public var amount: Money
}

/// Control totals of a close; they reconcile: after = before + journal.
public struct CloseTotals: Hashable, Sendable {
    /// Sum of `accrued` of the ledger read.
    public var accruedBefore: Money = .zero
    /// Sum of `paid` of the ledger read.
    public var paidBefore: Money = .zero
    /// Signed sum of the accrual entries (`Δa`).
    public var accrualEntries: Money = .zero
    /// Signed sum of the settlement entries (`Δp`).
    public var settlementEntries: Money = .zero
    /// Sum of `accrued` of the ledger written.
    public var accruedAfter: Money = .zero
    /// Sum of `paid` of the ledger written.
    public var paidAfter: Money = .zero
    /// Sum of the journal's debits (equal to its credits).
    public var debits: Money = .zero
    /// Sum of the journal's credits.
    public var credits: Money = .zero
    /// Ledger rows read.
    public var rowsBefore = 0
    /// Ledger rows written.
    public var rowsAfter = 0

    /// Whether after = before + journal for both columns, and debits = credits.
    public var reconciles: Bool {
        accruedAfter == accruedBefore + accrualEntries && paidAfter == paidBefore + settlementEntries
            && debits == credits
    }
}

/// Everything a month-end close computes (SPEC section 8), rows sorted as the files are.
public struct MonthEndClose: Sendable {
    /// The first day of the month closed.
    public var month: CivilDate
    /// The as-of date: the month's last day.
    public var asOf: CivilDate
    /// The accrual run the close compares with the books.
    public var report: AccrualReport
    /// Rows of `journal.csv`.
    public var journal: [JournalEntry]
    /// Rows of `payments.csv`.
    public var payments: [Payment]
    /// Rows of `ledger.csv`: the targets, one per agreement and period started by the as-of date.
    public var ledger: [LedgerRow]
    /// The reconciliation.
    public var totals: CloseTotals
    /// Every received claim decided (SPEC section 12); `nil` when the close was given no claims.
    public var claims: ClaimsOutcome?
}
