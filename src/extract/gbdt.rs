//! Gradient-boosted regression trees, as the trainers in `benches/` write
//! them (scikit-learn's `GradientBoostingClassifier`, exported to JSON):
//! the one evaluator behind every learned part of the extractor (the page
//! type classifier, the block model).
//!
//! A model is `init` (one score per class) plus `learning_rate` times the
//! sum, stage by stage, of the leaves one tree per class reaches. Binary
//! models have one class: its score is the log-odds of the positive class.

use serde::Deserialize;

/// One regression tree, its nodes in flat arrays: a node `k` with
/// `feature[k] < 0` is a leaf worth `value[k]`; otherwise it sends an input
/// whose feature is at most `value[k]` to `left[k]`, else to `right[k]`.
#[derive(Debug, Deserialize)]
pub struct Tree {
    feature: Vec<i32>,
    value: Vec<f64>,
    left: Vec<u32>,
    right: Vec<u32>,
}

impl Tree {
    fn eval(&self, x: &[f32]) -> f64 {
        let mut k = 0usize;
        loop {
            let feat = self.feature[k];
            if feat < 0 {
                return self.value[k];
            }
            // The trainer compares single-precision values to
            // double-precision thresholds; so does this.
            k = if f64::from(x[feat as usize]) <= self.value[k] {
                self.left[k]
            } else {
                self.right[k]
            } as usize;
        }
    }

    /// The largest feature index the tree reads, if any.
    fn max_feature(&self) -> Option<usize> {
        self.feature
            .iter()
            .filter(|&&f| f >= 0)
            .map(|&f| f as usize)
            .max()
    }
}

/// A trained ensemble: the features it reads, in order, and its trees.
#[derive(Debug, Deserialize)]
pub struct Ensemble {
    /// Feature names, in the order the trees index them.
    pub features: Vec<String>,
    /// Shrinkage of every tree's leaves.
    pub learning_rate: f64,
    /// Starting score of each class.
    pub init: Vec<f64>,
    /// Stage by stage, one tree per class.
    pub trees: Vec<Vec<Tree>>,
}

impl Ensemble {
    /// Check that every stage has a tree per class and reads only listed
    /// features; `what` names the model in the panic message (the model
    /// ships inside the binary, so a bad one is a build defect).
    pub fn check(&self, what: &str) {
        let n = self.features.len();
        for stage in &self.trees {
            assert_eq!(stage.len(), self.init.len(), "{what}: a stage lacks a tree");
            for t in stage {
                assert!(
                    t.max_feature().is_none_or(|f| f < n),
                    "{what}: a tree reads an unlisted feature"
                );
            }
        }
    }

    /// The class scores of input `x` (values in [`Ensemble::features`]
    /// order).
    pub fn scores(&self, x: &[f32]) -> Vec<f64> {
        let mut raw = self.init.clone();
        for stage in &self.trees {
            for (k, tree) in stage.iter().enumerate() {
                raw[k] += self.learning_rate * tree.eval(x);
            }
        }
        raw
    }

    /// The probability of the positive class of a binary model.
    pub fn probability(&self, x: &[f32]) -> f64 {
        let s = self.scores(x)[0];
        1.0 / (1.0 + (-s).exp())
    }
}
