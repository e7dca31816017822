import ClarityEngine
import ClarityMedia
import ClarityModels

extension ModelCatalog {
    /// The model a user named (`--model`, `--models`, `--deartifact-model`), loaded for
    /// `scale`; the catalogue's refusal (unknown, damaged, no such scale) is a bad option (64).
    static func loadAsked(_ name: String, scale: Int) throws -> Model {
        do { return try load(name, scale: scale) } catch let error as CatalogError { throw MediaError(.invalidArgument, error.description) }
    }
}
