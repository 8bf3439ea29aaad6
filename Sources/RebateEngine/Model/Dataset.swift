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
    /// Units per full pallet in milli-units; 0 when not sold by the pallet (the form the hot loop reads).
    package internal(set) var palletQuantity: Int64

    /// The units on a full pallet; `nil` when the product is not sold by the pallet.
    public var pallet: Quantity? { palletQuantity > 0 ? Quantity(milliUnits: palletQuantity) : nil }

    /// Creates a product; `palletQuantity` is the units on a full pallet, `nil` when not sold by the pallet.
    public init(id: String, name: String, category: String, palletQuantity: Quantity? = nil) {
        self.id = id
        self.name = name
        self.category = category
        self.palletQuantity = palletQuantity?.inputValue ?? 0
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
    /// The invoice lines, as columns (amounts in the book currency).
    ///
    /// Lines loaded from a folder store stay its mapped segments, which the engine reads in place;
    /// this property joins them the first time it is read (and keeps the join).
    public var transactions: TransactionColumns {
        get { segments?.joined ?? lines }
        set {
            lines = newValue
            segments = nil
        }
    }
    private var lines: TransactionColumns
    /// A store's segments, when the lines were loaded from one and not replaced since.
    private(set) var segments: LineSegments?
    /// The listed currencies and their rates (`rates.csv`), which the lines' book amounts were converted with.
    public var rates = ExchangeRates()

    /// Creates a dataset from values built in memory.
    public init(partners: [Partner], products: [Product], agreements: AgreementSet, transactions: TransactionColumns) {
        self.partners = partners
        self.products = products
        self.agreements = agreements
        lines = transactions
    }

    /// A dataset whose lines are a store's segments, read in place.
    init(partners: [Partner], products: [Product], agreements: AgreementSet, segments: LineSegments) {
        self.init(partners: partners, products: products, agreements: agreements, transactions: TransactionColumns())
        self.segments = segments
    }

    /// What the lines were checked against by their reader, without joining a store's segments.
    var linesCheckedFor: TransactionColumns.LineBounds? { segments?.checkedFor ?? lines.checkedFor }
}
