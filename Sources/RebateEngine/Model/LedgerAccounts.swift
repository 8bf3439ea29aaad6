/// The general-ledger accounts a rebate is booked to (SPEC section 2, `accounts`).
public struct LedgerAccounts: Hashable, Sendable {
    /// Debited by an accrual: the rebate expense (or revenue reduction).
    public var expense: String
    /// Credited by an accrual, debited by a settlement: the accrued rebate liability.
    public var liability: String
    /// Credited by a settlement: what is owed to the beneficiary until paid.
    public var payable: String

    /// Accounts by name.
    public init(expense: String, liability: String, payable: String) {
        self.expense = expense
        self.liability = liability
        self.payable = payable
    }

    /// The defaults of SPEC section 2: `rebate_expense`, `accrued_rebates`, `rebates_payable`.
    public static let defaults = LedgerAccounts(
        expense: "rebate_expense", liability: "accrued_rebates", payable: "rebates_payable")
}

/// Accounts named by one agreement; a member left `nil` takes the file's top-level account.
public struct AccountOverrides: Hashable, Sendable {
    /// The expense account, if the agreement names one.
    public var expense: String?
    /// The liability account, if the agreement names one.
    public var liability: String?
    /// The payable account, if the agreement names one.
    public var payable: String?

    /// Overrides by name; `nil` keeps the top-level account.
    public init(expense: String? = nil, liability: String? = nil, payable: String? = nil) {
        self.expense = expense
        self.liability = liability
        self.payable = payable
    }

    /// These overrides laid over `base`.
    public func applied(to base: LedgerAccounts) -> LedgerAccounts {
        LedgerAccounts(
            expense: expense ?? base.expense, liability: liability ?? base.liability, payable: payable ?? base.payable)
    }

    /// Whether nothing is overridden.
    public var isEmpty: Bool { expense == nil && liability == nil && payable == nil }
}
