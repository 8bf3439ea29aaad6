/// Control totals of one ingestion: what was read, accepted and rejected.
public struct IngestTotals: Hashable, Sendable {
    /// Records read (blank lines are not records).
    public var linesRead = 0
    /// Lines accepted.
    public var linesAccepted = 0
    /// Lines rejected (each is in the rejects).
    public var linesRejected = 0
    /// Sum of accepted quantities.
    public var acceptedQuantity: Quantity = .zero
    /// Sum of accepted amounts, in book money.
    public var acceptedAmount: Money = .zero
    /// Sum of the quantities of rejected lines whose number fields could be read.
    public var rejectedQuantity: Quantity = .zero
    /// Sum of rejected amounts that could be read (as written: a rejected line is not converted).
    public var rejectedAmount: Money = .zero
    /// Rejected lines whose quantity or amount could not be read at all.
    public var rejectedUnreadable = 0
    /// Accepted lines in each listed currency (SPEC section 11), by code; book-currency lines are the rest.
    public var foreign: [ForeignCurrencyTotals] = []

    /// Creates zero totals.
    public init() {}
}

/// Accepted lines invoiced in one listed currency: how many, and their amounts as written and in book money.
public struct ForeignCurrencyTotals: Hashable, Sendable {
    /// The currency's code.
    public var code: String
    /// Accepted lines in it.
    public var lines = 0
    /// The currency's minor-unit digits.
    public var decimals = 2
    /// Their amounts as written, in this currency's minor units.
    public var amount: Money = .zero
    /// Their amounts converted, in book money.
    public var bookAmount: Money = .zero

    /// Zero totals for a currency.
    public init(code: String, decimals: Int) {
        self.code = code
        self.decimals = decimals
    }
}

extension IngestTotals {
    /// Accepted lines in the book currency, and their amount: what the foreign ones leave of the totals.
    public var bookCurrencyLines: Int { linesAccepted - foreign.reduce(0) { $0 + $1.lines } }
    public var bookCurrencyAmount: Money { acceptedAmount - foreign.reduce(.zero) { $0 + $1.bookAmount } }

    /// Counts an accepted line in a listed currency.
    mutating func addForeign(_ code: String, decimals: Int, amount: Int64, book: Int64) {
        if let k = foreign.firstIndex(where: { $0.code == code }) {
            foreign[k].lines += 1
            foreign[k].amount += Money(minorUnits: amount)
            foreign[k].bookAmount += Money(minorUnits: book)
        } else {
            var t = ForeignCurrencyTotals(code: code, decimals: decimals)
            t.lines = 1
            t.amount = Money(minorUnits: amount)
            t.bookAmount = Money(minorUnits: book)
            foreign.append(t)
            foreign.sort { Bytewise.less($0.code, $1.code) }
        }
    }

    /// Adds another ingestion's per-currency totals.
    mutating func addForeign(_ other: [ForeignCurrencyTotals]) {
        for t in other {
            if let k = foreign.firstIndex(where: { $0.code == t.code }) {
                foreign[k].lines += t.lines
                foreign[k].amount += t.amount
                foreign[k].bookAmount += t.bookAmount
            } else {
                foreign.append(t)
            }
        }
        foreign.sort { Bytewise.less($0.code, $1.code) }
    }
}
