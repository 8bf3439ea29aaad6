/// The contents of `agreements.json`: the currency and the agreements.
public struct AgreementSet: Sendable {
    /// The ISO currency code, used in reports.
    public var currency: String
    /// The currency's minor-unit digits (0 for JPY, 2 for EUR, 3 for KWD); 0...6.
    public var decimals: Int
    /// Currencies lines may be invoiced in besides the book currency (SPEC section 11), in file order.
    public var currencies: [ListedCurrency] = []
    /// The agreements, in file order.
    public var agreements: [Agreement]
    /// The top-level general-ledger accounts: what an agreement's ``Agreement/accounts`` do not name.
    public var accounts = LedgerAccounts.defaults
    /// References to ids that the master data does not have (legal: they match nothing).
    public var warnings: [InputProblem] = []

    /// Creates an agreement set.
    public init(currency: String, decimals: Int, agreements: [Agreement]) {
        self.currency = currency
        self.decimals = decimals
        self.agreements = agreements
    }

    /// The accounts an agreement is booked to: its own, else the top-level ones.
    public func accounts(of agreement: Agreement) -> LedgerAccounts {
        agreement.accounts.applied(to: accounts)
    }
}
