"""The committee's own findings from the results: checks that run after every results import
(and on demand, `flask results check`) and open a case for each impossible or suspicious
result, on the channel "committee's own finding", once."""
