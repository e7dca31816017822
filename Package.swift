// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Clarity",
    products: [
        .executable(name: "clarity", targets: ["ClarityLauncher"]),
        .executable(name: "clarity-core", targets: ["clarity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libswresample libavutil"),
        .systemLibrary(name: "CDNNL"),
        .target(name: "CFFmpegLog", dependencies: ["CFFmpeg"]),
        .target(name: "CLibass", dependencies: ["CFFmpeg"], linkerSettings: [.linkedLibrary("ass")]),
        .target(name: "CFFmpegOnDemand", dependencies: ["CFFmpeg"]),
        .target(name: "ClarityMedia", dependencies: ["CFFmpeg", "CFFmpegLog", "CLibass", "CFFmpegOnDemand", "CKernels"]),
        .target(name: "CSpawn"),
        .target(name: "CKernels", exclude: ["kernels.inc"]),
        .target(name: "ClarityProcess", dependencies: ["CSpawn"]),
        .target(name: "ClarityEngine", dependencies: ["CDNNL", "CKernels", "ClarityProcess"]),
        .target(name: "ClarityPipeline", dependencies: ["ClarityMedia", "ClarityEngine", "ClarityQuality", "CFFmpeg"]),
        .target(name: "ClarityQuality"),
        .target(name: "ClarityModels", dependencies: ["ClarityEngine"], resources: [.copy("Weights"), .copy("Presets")]),
        .executableTarget(name: "ClarityLauncher"),
        .executableTarget(
            name: "clarity",
            dependencies: [
                "ClarityMedia", "ClarityPipeline", "ClarityEngine", "ClarityModels", "ClarityQuality", "ClarityProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "ClarityMediaTests", dependencies: ["ClarityMedia", "ClarityQuality", "CFFmpeg"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ClarityEngineTests", dependencies: ["ClarityEngine", "CKernels"]),
        .testTarget(name: "ClarityPipelineTests", dependencies: ["ClarityPipeline", "ClarityMedia", "ClarityEngine", "ClarityQuality", "CFFmpeg"]),
        .testTarget(name: "ClarityQualityTests", dependencies: ["ClarityQuality"], exclude: ["Fixtures"]),
        .testTarget(name: "ClarityModelsTests", dependencies: ["ClarityModels", "ClarityEngine", "ClarityQuality"], exclude: ["Fixtures"]),
        .testTarget(name: "ClarityCLITests", dependencies: ["ClarityEngine", "ClarityProcess"]),
    ],
    swiftLanguageModes: [.v5]
)
