/// An amount of money in minor units of a currency (cents for EUR, yen for JPY): the dataset's book
/// currency unless the field says otherwise.
///
/// The scale is in the name of every way to make one, so a back-office program cannot pass
/// euros where cents are meant: `Money(minorUnits: 1250)` or `Money("12.50", decimals: 2)`.
/// An input (a line, a tier, a cap) is below 10^12 in absolute value; a sum of them, as the output
/// rows carry, can be far larger, so the minor units are an `Int128` and sums never overflow.
/// The type has no `description`: how many decimals the minor units have depends on the currency,
/// which ``text(decimals:currency:)`` is told.
public struct Money: Hashable, Comparable, Sendable, AdditiveArithmetic {
    /// The amount in minor units of the currency.
    public let minorUnits: Int128

    /// Money from minor units (1250 is 12.50 in a currency with 2 decimals), of any integer type.
    public init<Integer: BinaryInteger>(minorUnits: Integer) {
        self.minorUnits = Int128(minorUnits)
    }

    /// Money from its decimal text (`"12.50"`), exactly; `nil` when it is not a plain decimal
    /// with at most `decimals` fraction digits below 10^12.
    public init?(_ text: String, decimals: Int) {
        guard (0...6).contains(decimals),
            case .success(let v) = DecimalText.parse(text, maxFraction: decimals, scale: decimals)
        else { return nil }
        minorUnits = Int128(v)
    }

    /// No money.
    public static var zero: Money { Money(minorUnits: 0 as Int128) }

    /// The sum of two amounts in the same currency.
    public static func + (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits + b.minorUnits) }

    /// The difference of two amounts in the same currency.
    public static func - (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits - b.minorUnits) }

    /// The amount with its sign turned (a credit for a debit).
    public static prefix func - (a: Money) -> Money { Money(minorUnits: -a.minorUnits) }

    /// Compares two amounts.
    public static func < (a: Money, b: Money) -> Bool { a.minorUnits < b.minorUnits }

    /// The amount as the outputs write it: exactly `decimals` fraction digits (`12.50`), followed by
    /// the currency code when one is given (`12.50 EUR`).
    public func text(decimals: Int, currency: String? = nil) -> String {
        Self.text(minorUnits, decimals: decimals, currency: currency)
    }

    /// Any sum of minor units as the outputs write it, followed by the currency code when one is
    /// given (`12.50 EUR`).
    public static func text(_ minorUnits: Int128, decimals: Int, currency: String? = nil) -> String {
        let amount = DecimalText.money(minorUnits, decimals: decimals)
        return currency.map { amount + " " + $0 } ?? amount
    }

    /// The minor units as an `Int64`, for inputs (a line, a tier, a cap), which SPEC section 1 keeps
    /// below 10^12.
    /// - Precondition: the amount fits in an `Int64`; a larger one is no valid input.
    var inputValue: Int64 {
        guard let v = Int64(exactly: minorUnits) else {
            preconditionFailure("an input amount is below 10^12, not \(minorUnits) minor units")
        }
        return v
    }
}

/// A quantity of units (or of pallets), exact to the thousandth.
///
/// `Quantity(units: 5)`, `Quantity(milliUnits: 1500)` or `Quantity("1.5")`. Like ``Money``, a sum of
/// quantities is held exactly (`Int128` thousandths).
public struct Quantity: Hashable, Comparable, Sendable, AdditiveArithmetic, CustomStringConvertible {
    /// The quantity in thousandths of a unit.
    public let milliUnits: Int128

    /// A quantity from thousandths of a unit (1500 is 1.5 units), of any integer type.
    public init<Integer: BinaryInteger>(milliUnits: Integer) {
        self.milliUnits = Int128(milliUnits)
    }

    /// A whole number of units.
    /// - Precondition: `units` is below 10^12 in absolute value (SPEC section 1).
    public init(units: Int64) {
        precondition(units.magnitude < 1_000_000_000_000, "a quantity is below 10^12 units")
        milliUnits = Int128(units) * 1000
    }

    /// A quantity from its decimal text (`"1.5"`), exactly; `nil` unless a plain decimal with at
    /// most 3 fraction digits below 10^12.
    public init?(_ text: String) {
        guard case .success(let v) = DecimalText.parse(text, maxFraction: 3, scale: 3) else { return nil }
        milliUnits = Int128(v)
    }

    /// No quantity.
    public static var zero: Quantity { Quantity(milliUnits: 0 as Int128) }

    /// The sum of two quantities.
    public static func + (a: Quantity, b: Quantity) -> Quantity { Quantity(milliUnits: a.milliUnits + b.milliUnits) }

    /// The difference of two quantities.
    public static func - (a: Quantity, b: Quantity) -> Quantity { Quantity(milliUnits: a.milliUnits - b.milliUnits) }

    /// Compares two quantities.
    public static func < (a: Quantity, b: Quantity) -> Bool { a.milliUnits < b.milliUnits }

    /// The quantity as a plain decimal (`1.5`).
    public var description: String { DecimalText.plain(milliUnits, scale: 3) }

    /// The thousandths as an `Int64`, for inputs (a line, a tier, a pallet size), which SPEC section 1
    /// keeps below 10^12 units.
    /// - Precondition: the quantity fits in an `Int64`; a larger one is no valid input.
    var inputValue: Int64 {
        guard let v = Int64(exactly: milliUnits) else {
            preconditionFailure("an input quantity is below 10^12 units, not \(milliUnits) thousandths")
        }
        return v
    }
}

/// A volume of business with its unit: what a rebate's tiers or a gate measure (units, money or
/// pallets), as the output rows report it.
///
/// The unit travels with the value, so a program reading `basis` or `toNextTier` of a row cannot take
/// thousandths of a unit for cents: ``quantity`` is `nil` for money and ``money`` is `nil` otherwise.
public struct Volume: Hashable, Sendable {
    /// What is measured.
    public var kind: RebateBasis
    /// The value scaled as its kind is: thousandths of a unit (or of a pallet) for `quantity` and
    /// `pallets`, minor units of the book currency for `amount`.
    public var scaled: Int128

    /// A volume of `kind` from its scaled value.
    public init(_ kind: RebateBasis, scaled: Int128) {
        self.kind = kind
        self.scaled = scaled
    }

    /// A volume of units.
    public init(_ quantity: Quantity) { self.init(.quantity, scaled: quantity.milliUnits) }

    /// A volume of money.
    public init(_ money: Money) { self.init(.amount, scaled: money.minorUnits) }

    /// A number of pallets (thousandths of a pallet underneath, as the basis `pallets` counts).
    public init(pallets: Quantity) { self.init(.pallets, scaled: pallets.milliUnits) }

    /// The money, for a volume of `amount`; otherwise `nil`.
    public var money: Money? { kind == .amount ? Money(minorUnits: scaled) : nil }

    /// The units (or pallets), for a volume of `quantity` or `pallets`; otherwise `nil`.
    public var quantity: Quantity? { kind == .amount ? nil : Quantity(milliUnits: scaled) }

    /// The volume as the outputs write it: money with the currency's `decimals`, units and pallets as a
    /// plain decimal (`1.5`).
    public func text(decimals: Int) -> String {
        kind == .amount ? DecimalText.money(scaled, decimals: decimals) : DecimalText.plain(scaled, scale: 3)
    }
}

/// A rate with four decimal places: a percent (`2.5` percent) or money per unit or pallet
/// (`0.40` per unit), exact to 1/10,000.
///
/// `Rate("2.5")` or `Rate(tenThousandths: 25_000)`.
public struct Rate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The rate in ten-thousandths (2.5 is 25,000).
    public let tenThousandths: Int64

    /// A rate from ten-thousandths (25,000 is 2.5).
    public init(tenThousandths: Int64) {
        self.tenThousandths = tenThousandths
    }

    /// A rate from its decimal text (`"2.5"`), exactly; `nil` unless a plain decimal with at most
    /// 4 fraction digits below 10^12.
    public init?(_ text: String) {
        guard case .success(let v) = DecimalText.parse(text, maxFraction: 4, scale: 4) else { return nil }
        tenThousandths = v
    }

    /// Compares two rates.
    public static func < (a: Rate, b: Rate) -> Bool { a.tenThousandths < b.tenThousandths }

    /// The rate as a plain decimal (`2.5`).
    public var description: String { DecimalText.plain(Int128(tenThousandths), scale: 4) }
}

/// What one tier pays, with its unit: every tier of an agreement pays the same kind.
public enum TierValue: Hashable, Sendable {
    /// A percent of the amount.
    case percent(Rate)
    /// Money per unit of quantity.
    case perUnit(Rate)
    /// Money per full pallet.
    case perPallet(Rate)
    /// A fixed sum once the tier is reached.
    case fixed(Money)

    /// The kind of value, as `agreements.json` names it.
    public var kind: TierValueKind {
        switch self {
        case .percent: return .percent
        case .perUnit: return .perUnit
        case .perPallet: return .perPallet
        case .fixed: return .fixed
        }
    }

    /// The scaled integer the engine computes with (10^4 for rates, minor units for `fixed`).
    var scaled: Int64 {
        switch self {
        case .percent(let r), .perUnit(let r), .perPallet(let r): return r.tenThousandths
        case .fixed(let m): return m.inputValue
        }
    }
}
