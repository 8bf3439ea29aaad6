/// An amount of money in minor units of the dataset's currency (cents for EUR, yen for JPY).
///
/// The scale is in the name of every way to make one, so a back-office program cannot pass
/// euros where cents are meant: `Money(minorUnits: 1250)` or `Money("12.50", decimals: 2)`.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The amount in minor units of the currency.
    public let minorUnits: Int64

    /// Money from minor units (1250 is 12.50 in a currency with 2 decimals).
    public init(minorUnits: Int64) {
        self.minorUnits = minorUnits
    }

    /// Money from its decimal text (`"12.50"`), exactly; `nil` when it is not a plain decimal
    /// with at most `decimals` fraction digits below 10^12.
    public init?(_ text: String, decimals: Int) {
        guard (0...6).contains(decimals),
            case .success(let v) = DecimalText.parse(text, maxFraction: decimals, scale: decimals)
        else { return nil }
        minorUnits = v
    }

    /// Compares two amounts.
    public static func < (a: Money, b: Money) -> Bool { a.minorUnits < b.minorUnits }

    /// The minor units as an integer (the currency's decimals are not known here: ``text(decimals:)``
    /// writes the amount as the outputs do).
    public var description: String { "\(minorUnits) minor units" }

    /// The amount as the outputs write it: exactly `decimals` fraction digits (`12.50`).
    public func text(decimals: Int) -> String { Self.text(Int128(minorUnits), decimals: decimals) }

    /// Any sum of minor units (totals can pass `Int64`) as the outputs write it, followed by the
    /// currency code when one is given (`12.50 EUR`).
    public static func text(_ minorUnits: Int128, decimals: Int, currency: String? = nil) -> String {
        let amount = DecimalText.money(minorUnits, decimals: decimals)
        return currency.map { amount + " " + $0 } ?? amount
    }
}

/// A quantity of units (or of pallets), exact to the thousandth.
///
/// `Quantity(units: 5)`, `Quantity(milliUnits: 1500)` or `Quantity("1.5")`.
public struct Quantity: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The quantity in thousandths of a unit.
    public let milliUnits: Int64

    /// A quantity from thousandths of a unit (1500 is 1.5 units).
    public init(milliUnits: Int64) {
        self.milliUnits = milliUnits
    }

    /// A whole number of units.
    /// - Precondition: `units` is below 10^12 in absolute value (SPEC section 1).
    public init(units: Int64) {
        precondition(units.magnitude < 1_000_000_000_000, "a quantity is below 10^12 units")
        milliUnits = units * 1000
    }

    /// A quantity from its decimal text (`"1.5"`), exactly; `nil` unless a plain decimal with at
    /// most 3 fraction digits below 10^12.
    public init?(_ text: String) {
        guard case .success(let v) = DecimalText.parse(text, maxFraction: 3, scale: 3) else { return nil }
        milliUnits = v
    }

    /// Compares two quantities.
    public static func < (a: Quantity, b: Quantity) -> Bool { a.milliUnits < b.milliUnits }

    /// The quantity as a plain decimal (`1.5`).
    public var description: String { DecimalText.plain(Int128(milliUnits), scale: 3) }
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
        case .fixed(let m): return m.minorUnits
        }
    }
}
