"""A bag-of-words baseline: is an LSTM worth it on your data?

Not a model of the tutorial. Each text becomes the TF-IDF weights of its words
and word pairs, as scikit-learn's `TfidfVectorizer(ngram_range=(1, 2),
sublinear_tf=True)` weighs them (counted by `keras.layers.TextVectorization`),
and one Dense layer reads them: logistic regression, trained with Adam. It
reads the same `--data`, takes the same split, seeds and flags (but those
about cutting texts and `--literal`; it holds out 10 % for
validation by default), and prints the same lines as the four LSTM scripts,
so that its accuracy can stand beside theirs (results/README.md has both).
"""

import helpers.startup  # noqa: F401 (first: keeps TensorFlow's start-up notices off the terminal)

import keras
import numpy as np
import tensorflow as tf
from keras import layers

import common
from helpers import batches, flags, records, report, saving, shell, text_encoding, training

# The same data as the LSTM scripts, read whole: a bag of words has no use for a maximum length.
TOP_WORDS = 20000  # word indices kept before pairs are formed: more than the LSTMs', a bag of words is cheap
MAX_REVIEW_LENGTH = None  # a bag of words reads whole texts: no cut (no --max-len, --truncating or --literal)
TRUNCATING = None
MAX_FEATURES = 50000  # the most frequent words and word pairs that get a TF-IDF weight
# Keras' adapt() holds a count of every distinct word and pair it sees (3 GB for 144,000 generated texts): they are
# counted on a seeded sample of this many words of training text (all of IMDB's: 5.9 million in 25,000 reviews).
VOCABULARY_SAMPLE_WORDS = 6_000_000
EPOCHS = 50  # the most: early stopping on the validation split ends it sooner
BATCH_SIZE = 64
SEED = 7
# Ten times Adam's default step: on vectors of length 1 a logistic regression needs large weights, and with the
# default step it still improves after 50 epochs of a small corpus (SMS Spam).
LEARNING_RATE = 0.01
INVERSE_REGULARIZATION = 10.0  # scikit-learn's C of LogisticRegression(C=10): the L2 penalty is 1 / (2 C texts)
GRADIENT_CLIP_NORM = 1.0
VALIDATION_SPLIT = 0.1  # held out of the training texts to stop on
PATIENCE = 12  # epochs without a better validation loss before training stops
PLATEAU_PATIENCE = 3  # ... before Adam's step is halved, well before stopping
TEXT_COLUMN = "text"  # a table's column (or JSONL key) that holds the text (--data)
LABEL_COLUMN = "label"  # ... and the one that holds its class


class TfIdfOfWordsAndPairs:
    """Texts (as word indices) as TF-IDF vectors of their words and word pairs, weighed on the training texts."""

    def __init__(self, training_sequences):
        """The words and pairs that get a weight, and their IDF, from the training texts."""
        texts = self.as_strings(training_sequences)
        self.vectorizer = layers.TextVectorization(
            max_tokens=MAX_FEATURES,
            pad_to_max_tokens=True,  # the Dense layer expects MAX_FEATURES inputs, however small the corpus
            standardize=None,
            split="whitespace",
            ngrams=2,
            output_mode="count",
        )
        self.vectorizer.adapt(texts[self.vocabulary_sample(training_sequences)], batch_size=1024)
        # The words and pairs kept, each with its column; "[UNK]" first: column 0 counts every one not kept.
        # Counted by a table of our own, which the serving model holds on every backend (Keras' exporter
        # finds the vectorizer's own tables on TensorFlow only); test_serving checks both count alike.
        kept = self.vectorizer.get_vocabulary()
        self.column_of = text_encoding.lookup_table(kept[1:], range(1, len(kept)), unknown=0)
        # scikit-learn's smooth IDF; none for column 0.
        texts_with = sum(
            (self.counts(texts[start : start + 1024]).numpy() > 0).sum(axis=0) for start in range(0, len(texts), 1024)
        )
        inverse_document_frequency = np.log((1 + len(texts)) / (1 + texts_with)) + 1
        inverse_document_frequency[0] = 0.0
        self.inverse_document_frequency = inverse_document_frequency.astype("float32")

    @staticmethod
    def vocabulary_sample(sequences):
        """The texts whose words and pairs are counted: all, or a seeded sample of VOCABULARY_SAMPLE_WORDS words."""
        words = np.array([len(sequence) - 1 for sequence in sequences])
        if words.sum() <= VOCABULARY_SAMPLE_WORDS:
            return slice(None)
        order = np.random.default_rng(0).permutation(len(sequences))  # a table sorted by class is sampled evenly
        chosen = np.sort(order[np.cumsum(words[order]) <= VOCABULARY_SAMPLE_WORDS])
        print(f"note: the words and pairs that get a weight are counted on {len(chosen):,} of the {len(words):,} "
              "training texts (VOCABULARY_SAMPLE_WORDS)")  # fmt: skip
        return chosen

    @staticmethod
    def as_strings(sequences):
        # Word indices as tokens: the same words the LSTMs see, without the start mark. dtype=object: NumPy's own
        # string type is as wide as the longest text for every text (7.3 GB on 20 Newsgroups, for 0.2 of texts).
        return np.array([" ".join(map(str, sequence[1:].tolist())) for sequence in sequences], dtype=object)

    def counts(self, texts):
        """How often each kept word and pair occurs in each text (of word indices as strings), as the vectorizer's
        output_mode="count" gives them."""
        words_and_pairs = tf.strings.ngrams(tf.strings.split(texts), ngram_width=(1, 2), separator=" ")
        columns = tf.cast(self.column_of.lookup(words_and_pairs), tf.int32)
        counts = tf.math.bincount(columns, minlength=MAX_FEATURES, maxlength=MAX_FEATURES, axis=-1, dtype=tf.float32)
        return tf.ensure_shape(counts, (None, MAX_FEATURES))  # in a tf.data map, bincount leaves the shape unknown

    def tf_idf(self, texts):
        # scikit-learn's TfidfVectorizer(sublinear_tf=True): 1 + log of each count, times the word's IDF,
        # each text's vector scaled to length 1, so that long and short texts weigh alike.
        counts = self.counts(texts)
        term_frequency = tf.where(counts > 0, 1 + tf.math.log(tf.maximum(counts, 1.0)), 0.0)
        return tf.math.l2_normalize(term_frequency * self.inverse_document_frequency, axis=1)

    def batches(self, sequences, labels, batch_size, shuffle_seed=None):
        """A tf.data pipeline of (vectors, labels), shuffled each epoch if given a seed: what model.fit reads."""
        dataset = tf.data.Dataset.from_tensor_slices((self.as_strings(sequences), labels))
        if shuffle_seed is not None:
            dataset = dataset.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size).map(lambda texts, labels: (self.tf_idf(texts), labels)).prefetch(2)

    def serving_features(self, rows):
        """For the serving model: encoded texts (a RaggedTensor, the start index first) as TF-IDF vectors."""
        return self.tf_idf(tf.strings.reduce_join(tf.strings.as_string(rows[:, 1:]), axis=1, separator=" "))


class TextsToEvaluate:
    """The test texts as common.evaluate reads them: their labels, and predict(model)."""

    def __init__(self, tf_idf, sequences, labels):
        self.tf_idf = tf_idf
        self.sequences = sequences
        self.labels = labels

    def predict(self, model):
        return batches.class_probabilities(
            model.predict(self.tf_idf.batches(self.sequences, self.labels, batches.EVALUATION_BATCH_SIZE), verbose=0)
        )


def tf_idf_vectors(data, args):
    """In place of the listing's pad_sequences: training, validation (or None) and test texts as TF-IDF vectors,
    and the weighing itself (the serving model repeats it)."""
    tf_idf = TfIdfOfWordsAndPairs(data.train_sequences)
    train = tf_idf.batches(data.train_sequences, data.train_labels, args.batch_size, shuffle_seed=args.seed)
    validation = None
    if data.validation_labels is not None:
        validation = tf_idf.batches(data.validation_sequences, data.validation_labels, batches.EVALUATION_BATCH_SIZE)
    return train, validation, TextsToEvaluate(tf_idf, data.test_sequences, data.test_labels), tf_idf


def build_model(config):
    model = keras.Sequential(
        [
            keras.Input(shape=(MAX_FEATURES,)),
            # Logistic regression on the TF-IDF weights, with scikit-learn's L2 penalty, so that
            # the validation loss does not rise as the weights grow on a small corpus.
            common.output_layer(
                config.num_classes,
                config.multi_label,  # a sigmoid for each label when a text has several: a regression per label
                kernel_regularizer=keras.regularizers.L2(1 / (2 * INVERSE_REGULARIZATION * config.train_texts)),
            ),
        ]
    )
    model.compile(
        loss=config.loss(),
        optimizer=keras.optimizers.Adam(
            learning_rate=config.learning_rate(LEARNING_RATE), clipnorm=config.clipnorm(GRADIENT_CLIP_NORM)
        ),
        metrics=[config.metric()],  # the tutorial's "accuracy"; macro-F1 for several labels a text
    )
    return model


def main(argv=None):
    """The LSTM scripts' steps with a bag of words for one seed; returns the test figures (common.evaluate)."""
    args = flags.parse(argv, __file__, __doc__, flags.Recipe.of_script(globals()))
    common.set_seed(args.seed)
    data = common.load_data(args)
    train_vectors, validation_vectors, test_vectors, tf_idf = tf_idf_vectors(data, args)
    model = build_model(common.model_config(args, data))
    model.summary()
    history = model.fit(
        train_vectors,
        epochs=args.epochs,
        shuffle=False,  # the vectors shuffle themselves, seeded, each epoch
        validation_data=validation_vectors,
        class_weight=training.class_weight(args, data.train_labels),
        callbacks=training.callbacks(args, model, test_vectors, data.class_names),
        verbose=args.verbose,
    )
    # With several labels a text, the probability each label needs, chosen on the validation texts.
    validation_texts = None
    if data.validation_labels is not None:
        validation_texts = TextsToEvaluate(tf_idf, data.validation_sequences, data.validation_labels)
    thresholds = common.thresholds_on(model, validation_texts, data) if data.multi_label else None
    scores = common.evaluate(model, test_vectors, data.class_names, thresholds)
    if data.multi_label:
        report.print_f1(scores, data.class_names)  # each label's figures, then the three lines
    else:
        print(f"Accuracy: {scores['accuracy'] * 100:.2f}%", flush=True)
    report.print_each_class(scores, data.class_names)
    records.write_record(args, data, model, history, scores, configuration="bag-of-words")
    # Not the tutorial's: the serving model turns raw text into these TF-IDF vectors itself.
    saving.save(
        model,
        args,
        data,
        features=tf_idf.serving_features,
        model_input=keras.InputSpec(shape=(None, MAX_FEATURES), dtype="float32"),
        resources=[tf_idf.column_of],
    )
    return scores


if __name__ == "__main__":
    shell.run(main)
