/// A business customer that earns rebates.
public struct Partner: Hashable, Sendable {
    public var id: String
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
    public var id: String
    public var name: String
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
/// line, in memory order.
public struct TransactionColumns: Sendable {
    /// Index into the dataset's partners.
    public internal(set) var partner: [Int32] = []
    /// Index into the dataset's products.
    public internal(set) var product: [Int32] = []
    /// The line's date as a ``CivilDate/dayNumber``.
    public internal(set) var day: [Int32] = []
    /// Quantity in milli-units.
    public internal(set) var quantity: [Int64] = []
    /// Amount in minor units of the currency.
    public internal(set) var amount: [Int64] = []

    /// Creates empty columns with room for `capacity` lines.
    public init(capacity: Int = 0) {
        partner.reserveCapacity(capacity)
        product.reserveCapacity(capacity)
        day.reserveCapacity(capacity)
        quantity.reserveCapacity(capacity)
        amount.reserveCapacity(capacity)
    }

    /// The number of lines.
    public var count: Int { partner.count }

    /// Appends one line.
    /// - Parameters:
    ///   - quantity: milli-units (1.5 units is 1500).
    ///   - amount: minor units of the currency (12.50 EUR is 1250).
    public mutating func append(partner: Int32, product: Int32, date: CivilDate, quantity: Int64, amount: Int64) {
        self.partner.append(partner)
        self.product.append(product)
        self.day.append(date.dayNumber)
        self.quantity.append(quantity)
        self.amount.append(amount)
    }
}

/// Everything one accrual run reads: master data, agreements and lines.
public struct Dataset: Sendable {
    public var partners: [Partner]
    public var products: [Product]
    public var agreements: AgreementSet
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
        partner += other.partner
        product += other.product
        day += other.day
        quantity += other.quantity
        amount += other.amount
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
        partner.withUnsafeBufferPointer { partner in
        product.withUnsafeBufferPointer { product in
        day.withUnsafeBufferPointer { day in
        quantity.withUnsafeBufferPointer { quantity in
        amount.withUnsafeBufferPointer { amount in
            body(ColumnPointers(partner: partner, product: product, day: day, quantity: quantity, amount: amount))
        }
        }
        }
        }
        }
    }

    mutating func withUnsafeMutableColumns<R>(_ body: (MutableColumnPointers) -> R) -> R {
        partner.withUnsafeMutableBufferPointer { partner in
        product.withUnsafeMutableBufferPointer { product in
        day.withUnsafeMutableBufferPointer { day in
        quantity.withUnsafeMutableBufferPointer { quantity in
        amount.withUnsafeMutableBufferPointer { amount in
            body(MutableColumnPointers(partner: partner, product: product, day: day, quantity: quantity, amount: amount))
        }
        }
        }
        }
        }
    }
}
