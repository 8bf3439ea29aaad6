/// The master data an agreements file is checked against.
public struct MasterDataIndex: Sendable {
    var partnerIDs: Set<String>
    var groupIDs: Set<String>
    var productIDs: Set<String>
    var categories: Set<String>

    /// Builds the look-up sets from partners and products.
    public init(partners: [Partner], products: [Product]) {
        partnerIDs = Set(partners.map(\.id))
        groupIDs = Set(partners.compactMap(\.groupID))
        productIDs = Set(products.map(\.id))
        categories = Set(products.map(\.category))
    }
}
