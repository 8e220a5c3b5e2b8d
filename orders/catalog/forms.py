"""Forms of the catalog and the cart."""

from django import forms

from procurement.inputs import IdField


class AddToCartForm(forms.Form):
    product = IdField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=9999, initial=1)


class CartLineForm(forms.Form):
    item = IdField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=9999, help_text="0 removes the line.")
