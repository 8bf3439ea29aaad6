/// Everything an accrual run computes, as Swift values, rows sorted as SPEC.md section 6 says.
public struct AccrualReport: Sendable {
    /// The ISO currency code.
    public var currency: String
    /// The currency's minor-unit digits.
    public var decimals: Int
    /// The as-of date of the run, if any.
    public var asOf: CivilDate?
    /// Rows of `accruals.csv`, in output order.
    public var accruals: [AccrualRow]
    /// Rows of `settlements.csv`, in output order.
    public var settlements: [SettlementRow]
    /// Rows of `statements.csv`, in output order.
    public var statements: [StatementRow]
    /// Rows of `anomalies.csv`, in output order.
    public var anomalies: [Anomaly]
    /// Lines dated after the as-of date, ignored by this run.
    public var linesAfterAsOf: Int

    /// Whether the lines had to be copied into partner order (they are not when read from a columnar file).
    var inputWasCopied: Bool = false

    /// Wall-clock time of the engine's stages (resolve, partition, accumulate, assemble), in nanoseconds.
    public var stageTimings: [(stage: String, nanoseconds: UInt64)] = []

    /// The sum of all postings: the liability booked by this run, minor units.
    public var totalAccrued: Money { accruals.reduce(.zero) { $0 + $1.posting } }
    /// The sum of the settled periods' earnings, minor units.
    public var totalSettled: Money { settlements.reduce(.zero) { $0 + $1.earned } }

    /// Creates a row from its values.
    public init(
        currency: String, decimals: Int, asOf: CivilDate?, accruals: [AccrualRow], settlements: [SettlementRow],
        statements: [StatementRow], anomalies: [Anomaly], linesAfterAsOf: Int
    ) {
        self.currency = currency
        self.decimals = decimals
        self.asOf = asOf
        self.accruals = accruals
        self.settlements = settlements
        self.statements = statements
        self.anomalies = anomalies
        self.linesAfterAsOf = linesAfterAsOf
    }
}
