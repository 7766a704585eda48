"""Recurrent dropout that keeps the LSTM fast: one mask for all four gates, as Keras 1's fused LSTM had."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="lstm_tutorial")
class SharedMaskLSTMCell(layers.LSTMCell):
    """An LSTM cell that drops the same recurrent units for all four gates, one mask per sequence.

    Keras 3's LSTMCell with recurrent_dropout draws a mask per gate and falls back
    to eight small matrix products per step; one mask for the inputs and one for the
    state (as Keras 1's consume_less='gpu') keep the two fused ones. Not with --literal.
    """

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.implementation = 2
        self.dropout_mask_count = None  # one input mask and one recurrent mask

    def call(self, inputs, states, training=False):
        hidden, carry = states
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            hidden = hidden * self.get_recurrent_dropout_mask(hidden)
        gates = ops.matmul(inputs, self.kernel) + ops.matmul(hidden, self.recurrent_kernel)
        if self.use_bias:
            gates = gates + self.bias
        # Keras' LSTMCell's own gate arithmetic, in its order of the four gates: input, forget, candidate, output.
        input_gate, forget_gate, candidate, output_gate = ops.split(gates, 4, axis=1)
        input_gate = self.recurrent_activation(input_gate)
        forget_gate = self.recurrent_activation(forget_gate)
        carry = forget_gate * carry + input_gate * self.activation(candidate)
        hidden = self.recurrent_activation(output_gate) * self.activation(carry)
        return hidden, [hidden, carry]


def shared_mask_lstm(units, dropout, recurrent_dropout):
    """An LSTM layer like layers.LSTM(units, dropout=..., recurrent_dropout=...), but fast on CPU."""
    return layers.RNN(SharedMaskLSTMCell(units, dropout=dropout, recurrent_dropout=recurrent_dropout))
