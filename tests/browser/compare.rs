//! Model files on the version page and their architecture diff on the comparison, with
//! hostile provenance around them.

use shelf_format::{Digest, keys};

use super::fixtures::{
    HOSTILE, HOSTILE_LABEL, HOSTILE_PARAM, JS_URL, LOCK_FILE, Site, arch_registry,
};
use super::pages::compare::{PACKAGE_ROWS, PROVENANCE_CHANGED};
use super::pages::is_pwned;
use super::pages::model::{METRIC_HEADERS, SPLIT_GROUPS, VERSION_ROWS};
use super::pages::version::{
    CODE_DIRTY, CODE_REPOSITORY, ENV_LOCK, PACKAGES, PACKAGES_ALL, RUN_COMMAND, RUN_URL,
};
use crate::support::browser::with_browser;
use crate::support::http;

#[test]
fn model_files_and_their_architecture_diff_with_hostile_provenance() {
    let site = Site::start(|backend| {
        arch_registry(backend);
    });
    with_browser("model-files", |b| async move {
        let no_markup = async |page: &str| {
            assert_eq!(b.count("main img, main b, main script").await, 0, "{page}");
            assert!(!is_pwned(&b).await, "{page}: window.__pwned is set");
        };

        // v1: the introspected files, and hostile provenance as text.
        b.goto(&site.page("#/m/arch-probe/v/1")).await;
        let st = ".model-file[data-path=\"model.safetensors\"]";
        b.eventually_texts(&format!("{st} dd.parameters"), &["1.2 M"])
            .await;
        assert_eq!(
            b.attrs(&format!("{st} dd.parameters"), "title").await,
            ["1,200,008 parameters"]
        );
        assert_eq!(b.texts(&format!("{st} dd.tensor-count")).await, ["3"]);
        assert_eq!(
            b.texts(&format!("{st} dd.dtypes")).await,
            ["F32: 2 tensors, 8 parameters; U8: 1 tensor, 1.2 M parameters"]
        );
        assert_eq!(
            b.texts(&format!(
                "{st} table.tensors tbody tr[data-name=\"embed.weight\"] td"
            ))
            .await,
            ["embed.weight", "U8", "[1000, 1200]"]
        );
        assert_eq!(b.count(&format!("{st} .unsafe-warning")).await, 0);
        let onnx = ".model-file[data-path=\"model.onnx\"]";
        assert_eq!(b.texts(&format!("{onnx} dd.opsets")).await, ["ai.onnx 17"]);
        assert_eq!(b.texts(&format!("{onnx} dd.op-types")).await, ["MatMul×1"]);
        assert_eq!(
            b.texts(&format!("{onnx} table.io tbody tr td")).await,
            [
                "X",
                "input",
                "float [batch, 4]",
                "Y",
                "output",
                "float [batch, 2]"
            ]
        );
        assert_eq!(b.texts(&format!("{onnx} dd.parameters")).await, ["8"]);

        // Hostile provenance: literal text, and a javascript: URL is not a link.
        assert_eq!(b.texts(RUN_COMMAND).await, [HOSTILE]);
        assert_eq!(b.texts("#run-experiment").await, [HOSTILE_LABEL]);
        assert_eq!(b.texts("#run-url").await, [JS_URL]);
        assert_eq!(b.count(RUN_URL).await, 0);
        assert_eq!(
            b.attrs(CODE_REPOSITORY, "href").await,
            ["https://github.com/acme/arch-probe"]
        );
        assert_eq!(b.texts(CODE_DIRTY).await, ["no"]);
        assert_eq!(b.texts("#env-container-image").await, [HOSTILE]);
        assert_eq!(b.texts("#env-cpu").await, [HOSTILE_LABEL]);
        assert_eq!(
            b.texts("#env-gpus").await,
            [format!("{HOSTILE_LABEL} (driver 535.104, 40,960 MiB)")]
        );
        // Packages in name order (`<` sorts before letters).
        assert_eq!(b.texts("#packages td.name").await, [HOSTILE_PARAM, "numpy"]);
        assert_eq!(
            b.attrs(PACKAGES, "data-package").await,
            [HOSTILE_PARAM, "numpy"]
        );
        let missing = "#datasets tr[data-role=\"test\"]";
        assert_eq!(
            b.texts(&format!("{missing} td.data")).await,
            ["/nonexistent/<b>holdout</b>.csv"]
        );
        assert_eq!(
            b.texts(&format!("{missing} .badge.check")).await,
            ["unverified"]
        );
        // The lock file: a download of its blob, whose bytes are the file's.
        let href = b.attrs(ENV_LOCK, "href").await;
        assert_eq!(href, [keys::blob_key(&Digest::of(LOCK_FILE))]);
        assert_eq!(b.attrs(ENV_LOCK, "download").await, ["requirements.txt"]);
        let (status, _, body) = http("GET", &site.page(&href[0]));
        assert_eq!(status, 200);
        assert!(body == LOCK_FILE, "the lock file's blob holds other bytes");
        no_markup("version 1").await;
        b.screenshot("version-1").await;

        // v2: a tracker link that is one, a javascript: repository that is not, dirty
        // code, and 60 tensors of which 50 are drawn until "Show all".
        b.open_fresh(&site.page("#/m/arch-probe/v/2")).await;
        b.eventually_texts(&format!("{st} dd.parameters"), &["1.3 M"])
            .await;
        assert_eq!(
            b.attrs(RUN_URL, "href").await,
            ["https://tracker.example.com/runs/7"]
        );
        assert_eq!(b.texts("#code-repository").await, ["javascript:alert(1)"]);
        assert_eq!(b.count(CODE_REPOSITORY).await, 0);
        assert_eq!(
            b.texts(CODE_DIRTY).await,
            [format!(
                "yes: diff sha256:{}",
                &Digest::of(b"the uncommitted diff").hex()[..12]
            )]
        );
        let rows = format!("{st} table.tensors tbody tr");
        assert_eq!(b.count(&rows).await, 50);
        assert_eq!(
            b.texts(&format!("{st} button.show-all")).await,
            ["Show all 60 tensors"]
        );
        b.click(&format!("{st} button.show-all")).await;
        b.eventually("tensor rows after Show all", 60, async || {
            b.count(&rows).await
        })
        .await;
        assert_eq!(
            b.count(&format!("{st} button.show-all:not(.hidden)")).await,
            0
        );
        no_markup("version 2").await;
        b.screenshot("version-2").await;

        // Compare: the architecture difference of each model file.
        b.open_fresh(&site.page("#/compare/arch-probe/1,2")).await;
        let sd = ".arch-diff[data-path=\"model.safetensors\"]";
        b.eventually_texts(
            &format!("{sd} .arch-parameters"),
            &["Parameters: 1.2 M → 1.3 M (+100 K)"],
        )
        .await;
        assert_eq!(
            b.texts(&format!("{sd} .tensors-reshaped li")).await,
            ["embed.weight: [1000, 1200] → [1000, 1300]"]
        );
        assert_eq!(
            b.texts(&format!("{sd} .tensors-retyped li")).await,
            ["head.bias: F32 → F16"]
        );
        assert_eq!(
            b.texts(&format!("{sd} .tensors-added h4")).await,
            ["Tensors added (57)"]
        );
        assert_eq!(
            b.texts(&format!("{sd} .tensors-added li")).await[0],
            "layers.00.weight F32 [1]"
        );
        assert_eq!(b.count(&format!("{sd} .tensors-removed")).await, 0);
        let od = ".arch-diff[data-path=\"model.onnx\"]";
        assert_eq!(
            b.texts(&format!("{od} .opsets li")).await,
            ["ai.onnx: 17 → 18"]
        );
        assert_eq!(
            b.texts(&format!("{od} .values li")).await,
            ["input X: float [batch, 4] → float [batch, 8]"]
        );
        assert_eq!(
            b.texts(&format!("{od} .tensors-reshaped li")).await,
            ["W: [4, 2] → [8, 2]"]
        );
        assert_eq!(
            b.texts(&format!("{od} .arch-parameters")).await,
            ["Parameters: 8 → 16 (+8)"]
        );
        // Provenance rows as text (no links), packages changed by default.
        assert_eq!(
            b.texts("#compare-provenance tr[data-key=\"run.command\"] td")
                .await,
            [HOSTILE, HOSTILE]
        );
        assert_eq!(
            b.texts("#compare-provenance tr[data-key=\"run.url\"] td")
                .await,
            [JS_URL, "https://tracker.example.com/runs/7"]
        );
        assert_eq!(b.count("#compare-provenance tbody a").await, 0);
        assert_eq!(
            b.attrs(PROVENANCE_CHANGED, "data-key").await,
            [
                "code.commit",
                "code.repository",
                "code.uncommitted changes",
                "environment.lock_file",
                "run.url"
            ]
        );
        assert_eq!(b.texts("#packages-changed").await, ["1 of 2 changed"]);
        assert_eq!(b.attrs(PACKAGE_ROWS, "data-key").await, ["numpy"]);
        b.click(PACKAGES_ALL).await;
        b.eventually_attrs(PACKAGE_ROWS, "data-key", &[HOSTILE_PARAM, "numpy"])
            .await;
        no_markup("compare").await;
        b.screenshot("compare").await;

        // The model page: metrics grouped by split, sortable by the full key.
        b.open_fresh(&site.page("#/m/arch-probe")).await;
        b.eventually_texts(SPLIT_GROUPS, &["", "train", "test"])
            .await;
        assert_eq!(
            b.attrs(METRIC_HEADERS, "data-metric").await,
            ["latency_ms", "train.loss", "test.loss"]
        );
        assert_eq!(
            b.texts(METRIC_HEADERS).await,
            ["latency_ms", "loss", "loss"]
        );
        b.eventually_attrs(VERSION_ROWS, "data-version", &["2", "1"])
            .await;
        b.click("#versions th[data-metric=\"test.loss\"] button")
            .await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1", "2"])
            .await;
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td[data-metric=\"test.loss\"]"))
                .await,
            ["0.4", "0.35"]
        );
        no_markup("model").await;
    });
}
