// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Clarity",
    products: [
        .executable(name: "clarity", targets: ["clarity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libavutil"),
        .target(name: "ClarityMedia", dependencies: ["CFFmpeg"]),
        .target(name: "ClarityPipeline", dependencies: ["ClarityMedia"]),
        .target(name: "ClarityQuality"),
        .executableTarget(
            name: "clarity",
            dependencies: [
                "ClarityMedia", "ClarityPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "ClarityQualityTests", dependencies: ["ClarityQuality"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
