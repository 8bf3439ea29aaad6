/// Invoice lines as columns: dense indices and fixed-point integers.
///
/// Column storage keeps the hot loop reading only what it needs, 28 bytes a
/// line, in memory order. The columns live either in arrays or, when read
/// from a columnar file, in the file's memory mapping, used as it is.
/// Amounts are in the book currency; lines converted from a listed currency
/// (SPEC section 11) carry its index in ``currency``, a column that exists
/// only when some line is foreign, so a one-currency dataset pays nothing for it.
public struct TransactionColumns: Sendable {
    var partnerStorage: [Int32] = []
    var productStorage: [Int32] = []
    var dayStorage: [Int32] = []
    var quantityStorage: [Int64] = []
    var amountStorage: [Int64] = []
    /// Empty when every line is in the book currency.
    var currencyStorage: [UInt8] = []
    /// Set when the columns are a read-only view of a mapped columnar file.
    var mapping: ColumnMapping?
    /// The master-data sizes, currency decimals and listed currencies these lines were checked against by a reader
    /// (CSV, columnar file or store); `nil` once a caller changes them. ``Dataset`` checks lines
    /// again only when this does not match it, so files are not checked twice.
    var checkedFor: LineBounds?
    /// Where each partner's lines start (`partners + 1` offsets), set by a reader that grouped the lines
    /// by partner or checked that they are; `nil` when not known, and once a caller changes the lines.
    /// The engine then need not survey the lines for their order.
    var partnerStarts: [Int]?

    /// What a line's indices and values are checked against.
    struct LineBounds: Equatable {
        var partners: Int
        var products: Int
        var decimals: Int
        var currencies: Int
    }

    /// Creates empty columns with room for `capacity` lines.
    public init(capacity: Int = 0) {
        partnerStorage.reserveCapacity(capacity)
        productStorage.reserveCapacity(capacity)
        dayStorage.reserveCapacity(capacity)
        quantityStorage.reserveCapacity(capacity)
        amountStorage.reserveCapacity(capacity)
    }

    /// Index into the dataset's partners, per line.
    public var partner: [Int32] { mapping.map { Array($0.columns.partner) } ?? partnerStorage }
    /// Index into the dataset's products, per line.
    public var product: [Int32] { mapping.map { Array($0.columns.product) } ?? productStorage }
    /// The line's date as a ``CivilDate/dayNumber``.
    public var day: [Int32] { mapping.map { Array($0.columns.day) } ?? dayStorage }
    /// Quantity in milli-units.
    public var quantity: [Int64] { mapping.map { Array($0.columns.quantity) } ?? quantityStorage }
    /// Amount in minor units of the book currency (a foreign line's converted amount).
    public var amount: [Int64] { mapping.map { Array($0.columns.amount) } ?? amountStorage }
    /// Each line's currency: 0 for the book currency, `k` for the dataset's listed currency
    /// `rates.currencies[k - 1]`; empty when every line is in the book currency.
    public var currency: [UInt8] {
        mapping.map { m in m.columns.currency.map { Array($0) } ?? [] } ?? currencyStorage
    }

    /// Whether the lines carry a currency column: they do when some line was read in a listed currency.
    public var hasForeignLines: Bool { mapping.map { $0.columns.currency != nil } ?? !currencyStorage.isEmpty }

    /// The number of lines.
    public var count: Int { mapping?.count ?? partnerStorage.count }

    /// Whether the columns are a view of a memory-mapped columnar file.
    public var isMapped: Bool { mapping != nil }

    /// Appends one line; `partner` and `product` index the dataset's partners and products.
    ///
    /// `amount` is in the book currency; `currency` says which currency the line was invoiced in
    /// (0, the default: the book currency; `k`: the dataset's listed currency `k - 1`), for a line
    /// already converted. Indices and values are checked once, by ``AccrualEngine/run(_:options:)``,
    /// which throws on a bad one.
    public mutating func append(
        partner: Int32, product: Int32, date: CivilDate, quantity: Quantity, amount: Money, currency: UInt8 = 0
    ) {
        append(
            partner: partner, product: product, day: date.dayNumber, quantity: quantity.inputValue,
            amount: amount.inputValue, currency: currency)
    }

    /// Appends one line from scaled integers.
    mutating func append(
        partner: Int32, product: Int32, day: Int32, quantity: Int64, amount: Int64, currency: UInt8 = 0
    ) {
        materialize()
        checkedFor = nil
        partnerStarts = nil
        // The currency column starts with the first foreign line: book-currency lines before it are 0.
        // (Tested before the zeros are made: when the first line of all is foreign, there are none, and
        // an empty column would read as "no column" and lose that line's currency.)
        let hasColumn = !currencyStorage.isEmpty || currency != 0
        if currency != 0, currencyStorage.isEmpty {
            currencyStorage = [UInt8](repeating: 0, count: partnerStorage.count)
        }
        partnerStorage.append(partner)
        productStorage.append(product)
        dayStorage.append(day)
        quantityStorage.append(quantity)
        amountStorage.append(amount)
        if hasColumn { currencyStorage.append(currency) }
    }

    /// Copies mapped columns into arrays, so they can change.
    mutating func materialize() {
        guard let m = mapping else { return }
        partnerStorage = Array(m.columns.partner)
        productStorage = Array(m.columns.product)
        dayStorage = Array(m.columns.day)
        quantityStorage = Array(m.columns.quantity)
        amountStorage = Array(m.columns.amount)
        currencyStorage = m.columns.currency.map { Array($0) } ?? []
        mapping = nil
    }
}

extension TransactionColumns {
    /// Appends every line of `other`.
    public mutating func append(contentsOf other: TransactionColumns) {
        materialize()
        checkedFor = nil
        partnerStarts = nil
        if other.hasForeignLines || !currencyStorage.isEmpty {
            if currencyStorage.isEmpty { currencyStorage = [UInt8](repeating: 0, count: partnerStorage.count) }
            currencyStorage += other.hasForeignLines ? other.currency : [UInt8](repeating: 0, count: other.count)
        }
        partnerStorage += other.partner
        productStorage += other.product
        dayStorage += other.day
        quantityStorage += other.quantity
        amountStorage += other.amount
    }
}
