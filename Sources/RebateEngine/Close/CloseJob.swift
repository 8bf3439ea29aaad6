/// The whole `rebate close` job (SPEC section 8): everything `accrue` writes as of the month's last
/// day, plus `journal.csv`, `payments.csv` and the new `ledger.csv`, and the reconciliation in `summary.json`.
public enum CloseJob {
    /// The files a close writes beyond `accrue`'s.
    public static let closeOutputs = ["journal.csv", "payments.csv", "ledger.csv"]

    /// Closes `month` (any day of it) for the dataset folder, against the ledger file at `ledger`
    /// (`nil`: nothing is booked yet) and the claims file at `claims` (`nil`: nothing is claimed),
    /// writing every output into `outputFolder` (with claims, `claims.csv` too).
    ///
    /// The ledger and claims are read and checked before anything is written: a bad row leaves the folder as it was.
    /// - Throws: ``RebateError``: `invalidInput` for a bad dataset or ledger (exit 2), `tooManyRejects`
    ///   (exit 3, `rejects.csv` and `summary.json` written), `invariantViolated` when the close does not
    ///   reconcile (exit 70), `io` (exit 74).
    public static func run(
        dataset folder: String, month: CivilDate, ledger: String?, claims: String? = nil, outputFolder: String,
        options: AccrualOptions, maxRejects: Int, columnar: Bool = true
    ) throws(RebateError) -> AccrualJob.Outcome {
        var options = options
        options.asOf = CivilDate.lastDay(ofMonthIndex: month.monthIndex)
        return try AccrualJob.perform(
            dataset: folder, outputFolder: outputFolder, options: options, maxRejects: maxRejects, columnar: columnar,
            ledgerPath: ledger, claimsPath: claims, closing: true)
    }
}
