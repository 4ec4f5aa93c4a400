import type { Estimator } from "./base.js";
import { badState, unsupportedEstimator } from "./errors.js";
import * as compose from "./estimators/compose.js";
import * as decomposition from "./estimators/decomposition.js";
import * as encoders from "./estimators/encoders.js";
import * as impute from "./estimators/impute.js";
import * as linear from "./estimators/linear.js";
import * as meta from "./estimators/meta.js";
import * as mlp from "./estimators/mlp.js";
import * as nb from "./estimators/naive-bayes.js";
import * as neighbors from "./estimators/neighbors.js";
import * as scalers from "./estimators/scalers.js";
import * as svm from "./estimators/svm.js";
import * as text from "./estimators/text.js";
import * as trees from "./estimators/trees.js";
import { type Builder, isPyObject, type PyObjectLike, State } from "./state.js";

type EstimatorClass = new (s: State) => Estimator;

/** Every scikit-learn class this package rebuilds, by the `module.name` its pickle names. */
export const ESTIMATORS: Readonly<Record<string, EstimatorClass>> = {
  "sklearn.pipeline.Pipeline": compose.Pipeline,
  "sklearn.pipeline.FeatureUnion": compose.FeatureUnion,
  "sklearn.compose._column_transformer.ColumnTransformer": compose.ColumnTransformer,
  "sklearn.compose._target.TransformedTargetRegressor": meta.TransformedTargetRegressor,
  "sklearn.preprocessing._function_transformer.FunctionTransformer": compose.FunctionTransformer,
  "sklearn.preprocessing._data.StandardScaler": scalers.StandardScaler,
  "sklearn.preprocessing._data.MinMaxScaler": scalers.MinMaxScaler,
  "sklearn.preprocessing._data.RobustScaler": scalers.RobustScaler,
  "sklearn.preprocessing._data.MaxAbsScaler": scalers.MaxAbsScaler,
  "sklearn.preprocessing._data.Normalizer": scalers.Normalizer,
  "sklearn.preprocessing._polynomial.PolynomialFeatures": scalers.PolynomialFeatures,
  "sklearn.preprocessing._discretization.KBinsDiscretizer": impute.KBinsDiscretizer,
  "sklearn.preprocessing._encoders.OneHotEncoder": encoders.OneHotEncoder,
  "sklearn.preprocessing._encoders.OrdinalEncoder": encoders.OrdinalEncoder,
  "sklearn.preprocessing._label.LabelEncoder": encoders.LabelEncoder,
  "sklearn.preprocessing._label.LabelBinarizer": encoders.LabelBinarizer,
  "sklearn.impute._base.SimpleImputer": impute.SimpleImputer,
  "sklearn.impute._base.MissingIndicator": impute.MissingIndicator,
  "sklearn.decomposition._pca.PCA": decomposition.PCA,
  "sklearn.decomposition._truncated_svd.TruncatedSVD": decomposition.TruncatedSVD,
  "sklearn.cluster._kmeans.KMeans": decomposition.KMeans,
  "sklearn.feature_selection._univariate_selection.SelectKBest": decomposition.SelectKBest,
  "sklearn.feature_extraction.text.CountVectorizer": text.CountVectorizer,
  "sklearn.feature_extraction.text.TfidfVectorizer": text.TfidfVectorizer,
  "sklearn.feature_extraction.text.TfidfTransformer": text.TfidfTransformer,
  "sklearn.linear_model._logistic.LogisticRegression": linear.LogisticRegression,
  "sklearn.linear_model._stochastic_gradient.SGDClassifier": linear.SGDClassifier,
  "sklearn.linear_model._ridge.RidgeClassifier": linear.DecisionOnlyClassifier,
  "sklearn.linear_model._perceptron.Perceptron": linear.DecisionOnlyClassifier,
  "sklearn.svm._classes.LinearSVC": linear.DecisionOnlyClassifier,
  "sklearn.linear_model._base.LinearRegression": linear.LinearRegressor,
  "sklearn.linear_model._ridge.Ridge": linear.LinearRegressor,
  "sklearn.linear_model._ridge.RidgeCV": linear.LinearRegressor,
  "sklearn.linear_model._coordinate_descent.Lasso": linear.LinearRegressor,
  "sklearn.linear_model._coordinate_descent.ElasticNet": linear.LinearRegressor,
  "sklearn.linear_model._coordinate_descent.LassoCV": linear.LinearRegressor,
  "sklearn.linear_model._coordinate_descent.ElasticNetCV": linear.LinearRegressor,
  "sklearn.linear_model._stochastic_gradient.SGDRegressor": linear.LinearRegressor,
  "sklearn.linear_model._huber.HuberRegressor": linear.LinearRegressor,
  "sklearn.linear_model._bayes.BayesianRidge": linear.LinearRegressor,
  "sklearn.linear_model._bayes.ARDRegression": linear.LinearRegressor,
  "sklearn.svm._classes.LinearSVR": linear.LinearRegressor,
  "sklearn.linear_model._glm.glm.PoissonRegressor": linear.GeneralizedLinearRegressor,
  "sklearn.linear_model._glm.glm.GammaRegressor": linear.GeneralizedLinearRegressor,
  "sklearn.linear_model._glm.glm.TweedieRegressor": linear.GeneralizedLinearRegressor,
  "sklearn.svm._classes.SVC": svm.SVC,
  "sklearn.svm._classes.SVR": svm.SVR,
  "sklearn.naive_bayes.GaussianNB": nb.GaussianNB,
  "sklearn.naive_bayes.MultinomialNB": nb.MultinomialNB,
  "sklearn.neighbors._classification.KNeighborsClassifier": neighbors.KNeighborsClassifier,
  "sklearn.neighbors._regression.KNeighborsRegressor": neighbors.KNeighborsRegressor,
  "sklearn.neural_network._multilayer_perceptron.MLPClassifier": mlp.MLPClassifier,
  "sklearn.neural_network._multilayer_perceptron.MLPRegressor": mlp.MLPRegressor,
  "sklearn.ensemble._voting.VotingClassifier": meta.VotingClassifier,
  "sklearn.ensemble._stacking.StackingClassifier": meta.StackingClassifier,
  "sklearn.calibration.CalibratedClassifierCV": meta.CalibratedClassifierCV,
  "sklearn.dummy.DummyRegressor": meta.DummyRegressor,
  "sklearn.dummy.DummyClassifier": meta.DummyClassifier,
  ...trees.TREE_ESTIMATORS,
};

/**
 * Objects inside estimators that are read field by field (never built as estimators): trees, HGB predictors,
 * loss and link objects, KD-trees, random states, calibrators. They are allowlisted as inert records.
 */
export const INERT_CLASSES: readonly string[] = [
  "sklearn.tree._tree.Tree",
  "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
  "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
  "sklearn.ensemble._gb_losses.LeastSquaresError",
  "sklearn.ensemble._gb_losses.LeastAbsoluteError",
  "sklearn.ensemble._gb_losses.HuberLossFunction",
  "sklearn.ensemble._gb_losses.QuantileLossFunction",
  "sklearn.ensemble._gb_losses.BinomialDeviance",
  "sklearn.ensemble._gb_losses.MultinomialDeviance",
  "sklearn.ensemble._gb_losses.ExponentialLoss",
  "sklearn._loss.link.IdentityLink",
  "sklearn._loss.link.LogLink",
  "sklearn._loss.link.LogitLink",
  "sklearn._loss.link.MultinomialLogit",
  "sklearn._loss.link.Interval",
  ...[
    "HalfSquaredError",
    "HalfBinomialLoss",
    "HalfMultinomialLoss",
    "HalfPoissonLoss",
    "HalfGammaLoss",
    "HalfTweedieLoss",
    "HalfTweedieLossIdentity",
    "AbsoluteError",
    "PinballLoss",
  ].flatMap((n) => [
    `sklearn._loss.loss.${n}`,
    `sklearn._loss._loss.Cy${n}`,
    `sklearn._loss._loss.__pyx_unpickle_Cy${n}`,
  ]),
  "sklearn.linear_model._sgd_fast.Hinge",
  "sklearn.linear_model._sgd_fast.Log",
  "sklearn.linear_model._sgd_fast.ModifiedHuber",
  "sklearn.linear_model._sgd_fast.SquaredLoss",
  "sklearn.linear_model._sgd_fast.SquaredHinge",
  "sklearn.linear_model._sgd_fast.Huber",
  "sklearn.linear_model._sgd_fast.EpsilonInsensitive",
  "sklearn.linear_model._sgd_fast.SquaredEpsilonInsensitive",
  "sklearn.neighbors._kd_tree.KDTree",
  "sklearn.neighbors._kd_tree.newObj",
  "sklearn.neighbors._ball_tree.BallTree",
  "sklearn.neighbors._ball_tree.newObj",
  "sklearn.metrics._dist_metrics.EuclideanDistance",
  "sklearn.metrics._dist_metrics.ManhattanDistance",
  "sklearn.metrics._dist_metrics.MinkowskiDistance",
  "sklearn.metrics._dist_metrics.ChebyshevDistance",
  "sklearn.metrics._dist_metrics.newObj",
  "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
  "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
  "sklearn.calibration._CalibratedClassifier",
  "sklearn.calibration._SigmoidCalibration",
  "sklearn.isotonic.IsotonicRegression",
  "sklearn.utils._bunch.Bunch",
  "numpy.random._pickle.__randomstate_ctor",
  "numpy.random._pickle.__bit_generator_ctor",
  "numpy.random._pickle.__generator_ctor",
  "numpy.random.mtrand.RandomState",
  "numpy.random._mt19937.MT19937",
];

/** Functions referenced by value only (never called): SelectKBest score functions. */
export const REFERENCED_FUNCTIONS: readonly string[] = [
  "sklearn.feature_selection._univariate_selection.f_classif",
  "sklearn.feature_selection._univariate_selection.f_regression",
  "sklearn.feature_selection._univariate_selection.chi2",
  "sklearn.feature_selection._univariate_selection.mutual_info_classif",
];

/** Builds estimators from the reader's inert records, each record once (shared references stay shared). */
export class EstimatorBuilder implements Builder {
  readonly #built = new WeakMap<object, Estimator>();

  estimator(value: unknown, where: string): Estimator {
    if (!isPyObject(value)) {
      throw badState(
        where.slice(0, where.lastIndexOf(".")) || where,
        `'${where}' should be an estimator, got ${describe(value)}`,
      );
    }
    const hit = this.#built.get(value);
    if (hit) return hit;
    const Ctor = ESTIMATORS[value.className];
    if (Ctor === undefined) throw unsupportedEstimator(value.className, where);
    const e = new Ctor(this.stateOf(value));
    this.#built.set(value, e);
    return e;
  }

  stateOf(o: PyObjectLike): State {
    const dict = o.dictState();
    if (dict === undefined) throw badState(o.className, "the pickled state is not an attribute dict");
    return new State(o.className, dict, this);
  }
}

function describe(v: unknown): string {
  if (v === null) return "None";
  if (typeof v === "string") return `'${v}'`;
  return typeof v;
}
