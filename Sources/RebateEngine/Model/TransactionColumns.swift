/// Invoice lines as columns: dense indices and fixed-point integers.
///
/// Column storage keeps the hot loop reading only what it needs, 28 bytes a
/// line, in memory order. The columns live either in arrays or, when read
/// from a columnar file, in the file's memory mapping, used as it is.
public struct TransactionColumns: Sendable {
    var partnerStorage: [Int32] = []
    var productStorage: [Int32] = []
    var dayStorage: [Int32] = []
    var quantityStorage: [Int64] = []
    var amountStorage: [Int64] = []
    /// Set when the columns are a read-only view of a mapped columnar file.
    var mapping: ColumnMapping?
    /// The master-data sizes and currency decimals these lines were checked against by a reader
    /// (CSV, columnar file or store); `nil` once a caller changes them. ``Dataset`` checks lines
    /// again only when this does not match it, so files are not checked twice.
    var checkedFor: LineBounds?

    /// What a line's indices and values are checked against.
    struct LineBounds: Equatable {
        var partners: Int
        var products: Int
        var decimals: Int
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
    /// Amount in minor units of the currency.
    public var amount: [Int64] { mapping.map { Array($0.columns.amount) } ?? amountStorage }

    /// The number of lines.
    public var count: Int { mapping?.count ?? partnerStorage.count }

    /// Whether the columns are a view of a memory-mapped columnar file.
    public var isMapped: Bool { mapping != nil }

    /// Appends one line; `partner` and `product` index the dataset's partners and products.
    ///
    /// Indices and values are checked once, by ``AccrualEngine/run(_:options:)``, which throws on a bad one.
    public mutating func append(partner: Int32, product: Int32, date: CivilDate, quantity: Quantity, amount: Money) {
        append(
            partner: partner, product: product, day: date.dayNumber, quantity: quantity.milliUnits,
            amount: amount.minorUnits)
    }

    /// Appends one line from scaled integers.
    mutating func append(partner: Int32, product: Int32, day: Int32, quantity: Int64, amount: Int64) {
        materialize()
        checkedFor = nil
        partnerStorage.append(partner)
        productStorage.append(product)
        dayStorage.append(day)
        quantityStorage.append(quantity)
        amountStorage.append(amount)
    }

    /// Copies mapped columns into arrays, so they can change.
    mutating func materialize() {
        guard let m = mapping else { return }
        partnerStorage = Array(m.columns.partner)
        productStorage = Array(m.columns.product)
        dayStorage = Array(m.columns.day)
        quantityStorage = Array(m.columns.quantity)
        amountStorage = Array(m.columns.amount)
        mapping = nil
    }
}

extension TransactionColumns {
    /// Appends every line of `other`.
    public mutating func append(contentsOf other: TransactionColumns) {
        materialize()
        checkedFor = nil
        partnerStorage += other.partner
        productStorage += other.product
        dayStorage += other.day
        quantityStorage += other.quantity
        amountStorage += other.amount
    }
}
