/// A business customer that earns rebates.
public struct Partner: Hashable, Sendable {
    /// The unique id.
    public var id: String
    /// The display name.
    public var name: String
    /// The buying group the partner belongs to, if any.
    public var groupID: String?

    /// Creates a partner.
    public init(id: String, name: String, groupID: String? = nil) {
        self.id = id
        self.name = name
        self.groupID = groupID
    }
}

/// A product that invoice lines sell.
public struct Product: Hashable, Sendable {
    /// The unique id.
    public var id: String
    /// The display name.
    public var name: String
    /// The product category, used by scopes.
    public var category: String
    /// Units per full pallet in milli-units; 0 when not sold by the pallet.
    public var palletQuantity: Int64

    /// Creates a product.
    public init(id: String, name: String, category: String, palletQuantity: Int64 = 0) {
        self.id = id
        self.name = name
        self.category = category
        self.palletQuantity = palletQuantity
    }
}

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

    /// Appends one line.
    /// - Parameters:
    ///   - quantity: milli-units (1.5 units is 1500).
    ///   - amount: minor units of the currency (12.50 EUR is 1250).
    public mutating func append(partner: Int32, product: Int32, date: CivilDate, quantity: Int64, amount: Int64) {
        materialize()
        partnerStorage.append(partner)
        productStorage.append(product)
        dayStorage.append(date.dayNumber)
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

/// Everything one accrual run reads: master data, agreements and lines.
public struct Dataset: Sendable {
    /// The partners, in file order (their index is the line's partner index).
    public var partners: [Partner]
    /// The products, in file order (their index is the line's product index).
    public var products: [Product]
    /// The agreements and currency.
    public var agreements: AgreementSet
    /// The invoice lines, as columns.
    public var transactions: TransactionColumns

    /// Creates a dataset from values built in memory.
    public init(partners: [Partner], products: [Product], agreements: AgreementSet, transactions: TransactionColumns) {
        self.partners = partners
        self.products = products
        self.agreements = agreements
        self.transactions = transactions
    }
}

extension TransactionColumns {
    /// Appends every line of `other`.
    public mutating func append(contentsOf other: TransactionColumns) {
        materialize()
        partnerStorage += other.partner
        productStorage += other.product
        dayStorage += other.day
        quantityStorage += other.quantity
        amountStorage += other.amount
    }
}

/// Pointers to the five columns, valid only inside the call that made them.
/// `@unchecked Sendable` so parallel workers can read (or, for the mutable
/// form, write disjoint positions of) them within that scope.
struct ColumnPointers: @unchecked Sendable {
    let partner: UnsafeBufferPointer<Int32>
    let product: UnsafeBufferPointer<Int32>
    let day: UnsafeBufferPointer<Int32>
    let quantity: UnsafeBufferPointer<Int64>
    let amount: UnsafeBufferPointer<Int64>

    /// The number of lines.
    var count: Int { partner.count }

    /// The lines `range` of these columns.
    func slice(_ range: Range<Int>) -> ColumnPointers {
        ColumnPointers(partner: UnsafeBufferPointer(rebasing: partner[range]), product: UnsafeBufferPointer(rebasing: product[range]),
                       day: UnsafeBufferPointer(rebasing: day[range]), quantity: UnsafeBufferPointer(rebasing: quantity[range]),
                       amount: UnsafeBufferPointer(rebasing: amount[range]))
    }
}

struct MutableColumnPointers: @unchecked Sendable {
    let partner: UnsafeMutableBufferPointer<Int32>
    let product: UnsafeMutableBufferPointer<Int32>
    let day: UnsafeMutableBufferPointer<Int32>
    let quantity: UnsafeMutableBufferPointer<Int64>
    let amount: UnsafeMutableBufferPointer<Int64>
}

extension TransactionColumns {
    func withUnsafeColumns<R>(_ body: (ColumnPointers) -> R) -> R {
        if let m = mapping {
            return withExtendedLifetime(m) { body(m.columns) }
        }
        return partnerStorage.withUnsafeBufferPointer { partner in
        productStorage.withUnsafeBufferPointer { product in
        dayStorage.withUnsafeBufferPointer { day in
        quantityStorage.withUnsafeBufferPointer { quantity in
        amountStorage.withUnsafeBufferPointer { amount in
            body(ColumnPointers(partner: partner, product: product, day: day, quantity: quantity, amount: amount))
        }
        }
        }
        }
        }
    }

    mutating func withUnsafeMutableColumns<R>(_ body: (MutableColumnPointers) -> R) -> R {
        materialize()
        return partnerStorage.withUnsafeMutableBufferPointer { partner in
        productStorage.withUnsafeMutableBufferPointer { product in
        dayStorage.withUnsafeMutableBufferPointer { day in
        quantityStorage.withUnsafeMutableBufferPointer { quantity in
        amountStorage.withUnsafeMutableBufferPointer { amount in
            body(MutableColumnPointers(partner: partner, product: product, day: day, quantity: quantity, amount: amount))
        }
        }
        }
        }
        }
    }
}

extension TransactionColumns {
    /// Columns of `n` lines with uninitialized storage, to be filled through ``withUnsafeMutableColumns(_:)``.
    static func uninitialized(count n: Int) -> TransactionColumns {
        var c = TransactionColumns()
        c.partnerStorage = [Int32](unsafeUninitializedCapacity: n) { b, k in adviseHugePages(b.baseAddress, n * 4); k = n }
        c.productStorage = [Int32](unsafeUninitializedCapacity: n) { b, k in adviseHugePages(b.baseAddress, n * 4); k = n }
        c.dayStorage = [Int32](unsafeUninitializedCapacity: n) { b, k in adviseHugePages(b.baseAddress, n * 4); k = n }
        c.quantityStorage = [Int64](unsafeUninitializedCapacity: n) { b, k in adviseHugePages(b.baseAddress, n * 8); k = n }
        c.amountStorage = [Int64](unsafeUninitializedCapacity: n) { b, k in adviseHugePages(b.baseAddress, n * 8); k = n }
        return c
    }
}
