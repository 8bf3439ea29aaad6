/// One row of the ledger: what the books already hold for an agreement's settlement period (SPEC section 8).
public struct LedgerRow: Hashable, Sendable {
    /// The agreement's id.
    public var agreementID: String
    /// The partner or buying-group id (informative: rows match on agreement and period).
    public var beneficiary: String
    /// The settlement period's first day.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// The rebate expense booked for the period so far (credited to the liability).
    public var accrued: Money
    /// What was settled with the beneficiary so far.
    public var paid: Money

    /// Creates a ledger row; money in the dataset's book currency.
    public init(
        agreementID: String, beneficiary: String, periodStart: CivilDate, periodEnd: CivilDate, accrued: Money,
        paid: Money
    ) {
        self.agreementID = agreementID
        self.beneficiary = beneficiary
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.accrued = accrued
        self.paid = paid
    }

    /// What a row is matched on: `agreement_id`, `period_start`, `period_end`.
    struct Key: Hashable {
        var agreementID: String
        var start: Int32
        var end: Int32
    }

    var key: Key { Key(agreementID: agreementID, start: periodStart.dayNumber, end: periodEnd.dayNumber) }
}
