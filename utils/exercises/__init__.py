"""Exercises a learner can check inside the notebook, in Colab, Jupyter or the book's own build.

Each chapter's exercises live in one module (``utils.exercises.ch05``, ...), each exercise an object with
three methods::

    from utils.exercises import ch05 as ex
    ex.q3.check(my_function)   # or ex.q3.check() for an exercise that reads a named variable
    ex.q3.hint()               # the first hint; ex.q3.hint(2) the next
    ex.q3.solution()           # a solution and why it works (it says so before it shows it)

A check runs the answer on the course's cases and a small random one, and says **Correct**, **Not yet:** with
what is wrong (a shape, a dtype, a constant factor, a batch of one, a changed input, a Python loop where the
exercise asks for tensor operations) without giving the expected values away, or **Not attempted yet** while
the answer cell still holds its placeholder (``...``). It never raises, so "Run all" goes through a chapter whose
exercises are untouched. The kinds of exercise are in :mod:`utils.exercises.base`.

In a chapter, a checkable exercise is its statement, an answer cell (the placeholder and the check call: it
prints "Not attempted yet" in the stored notebook), and a solution cell tagged ``solution`` (hidden on the page)
that shows the solution and checks it: ``ex.q3.solution()`` then ``ex.q3.check(ex.q3.reference_answer())``.
The book's build runs it (the page shows the solution and "Correct"); the committed notebook keeps no output
for it, so a learner sees a solution only by running that cell or calling ``solution()``.
"""
