/// Which shard each partner and agreement goes to (SPEC section 9).
///
/// Partners joined by an agreement (a buying group with its members) form one component, so every
/// agreement is computed whole in one shard. Components are dealt biggest first to the shard with
/// the fewest lines so far (ties: the lower index), which balances lines and is deterministic.
struct ShardPlan {
    /// The shard of each partner index.
    let shardOfPartner: [Int32]
    /// The shard of each agreement (in file order); an agreement with no known partner goes to shard 0.
    let shardOfAgreement: [Int]
    /// Lines in each shard.
    let lines: [Int]

    /// - Parameters:
    ///   - linesOfPartner: accepted lines per partner index.
    /// - Complexity: O(partners log partners + agreements × members).
    init(partners: [Partner], agreements: [Agreement], linesOfPartner: [Int], shards: Int) {
        precondition(shards >= 1)
        var parent = Array(0..<partners.count)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        var index: [String: Int] = [:]
        var members: [String: [Int]] = [:]
        for (i, p) in partners.enumerated() {
            index[p.id] = i
            if let g = p.groupID { members[g, default: []].append(i) }
        }
        let partnersOf = agreements.map { a -> [Int] in
            switch a.beneficiary {
            case .partner(let id): return index[id].map { [$0] } ?? []
            case .group(let id): return members[id] ?? []
            }
        }
        for list in partnersOf {
            for p in list.dropFirst() {
                let a = root(list[0])
                let b = root(p)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var weight = [Int](repeating: 0, count: partners.count)
        for p in 0..<partners.count { weight[root(p)] += linesOfPartner[p] }
        let components = (0..<partners.count).filter { root($0) == $0 }.sorted {
            weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1
        }
        var load = [Int](repeating: 0, count: shards)
        var shardOfRoot = [Int32](repeating: 0, count: partners.count)
        for c in components {
            var best = 0
            for s in 1..<shards where load[s] < load[best] { best = s }
            shardOfRoot[c] = Int32(best)
            load[best] += weight[c]
        }
        shardOfPartner = (0..<partners.count).map { shardOfRoot[root($0)] }
        let partnerShards = shardOfPartner
        shardOfAgreement = partnersOf.map { $0.first.map { Int(partnerShards[$0]) } ?? 0 }
        lines = load
    }
}
